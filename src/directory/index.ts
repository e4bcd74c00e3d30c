// The directory: who owns a mailbox and her settings. README.md documents the user-data keys,
// the LDAP filter template and the YAML file format.
export type { Directory, DirectoryUser, ProfileSettings, UserSettings } from './types.js';
export {
  AmbiguousOfficeNumber,
  DirectoryConfigError,
  DirectoryError,
  DirectoryUnavailable,
  SettingsConflict,
  SettingsReadOnly,
  UserGone,
} from './types.js';
export { decode, defaultSettings, encode, readUserData } from './codec.js';
export type { CodecOptions, DecodedUserData, ValueReading } from './codec.js';
export { planMigration, redactValue } from './migration.js';
export type { MigrationPlan } from './migration.js';
export { compileFilterTemplate, escapeFilterValue, MAX_FORMAT_LENGTH, MAX_FORMATS } from './filter.js';
export type { FilterTemplate } from './filter.js';
export { DEFAULT_LDAP_ATTRIBUTES, DEFAULT_LDAP_FILTER, LdapDirectory, REVISION } from './ldap.js';
export type { LdapAttributes, LdapDirectoryConfig } from './ldap.js';
export { YamlDirectory } from './yaml.js';
export type { YamlDirectoryConfig, YamlNumberField } from './yaml.js';
export { LocalSettingsFallback } from './local.js';
export { LastKnownDirectory } from './snapshot.js';
export type { LastKnownOptions } from './snapshot.js';
