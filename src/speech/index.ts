// voicebox speech: prompts and dynamic values into audio FreeSWITCH can play. See README.md.
export {
  sayNumber,
  sayOrdinal,
  sayYear,
  sayDate,
  sayTime,
  sayDateTime,
  sayDuration,
  sayCount,
  countFormFor,
  sayList,
  saySummary,
  sayPhoneNumber,
  sayText,
  phoneNumberGroups,
  phoneNumberInAddress,
  COUNT_FORMS,
  numberToAnnounce,
  MAX_SAYABLE,
  type CountForm,
  type CountForms,
  type SummaryItem,
  type DateWordingOptions,
  type NumberAnnouncement,
  type Site,
} from './say.js';
export { LANGUAGES, isLanguage, wordingFor, type Language } from './wording/index.js';
export type { OrdinalCase } from './wording/types.js';
export { sameMediaRoot, toFreeSwitchPath, ttsCacheDir, type MediaRoot } from './media.js';
export {
  createRenderer,
  checkSpeechEngines,
  DEFAULT_VOICES,
  SAMPLE_RATES,
  type RenderedAudio,
  type Renderer,
  type RendererOptions,
  type SampleRate,
} from './render.js';
export {
  loadCatalog,
  loadCatalogs,
  parseCatalog,
  placeholdersOf,
  fillPlaceholders,
  promptTextIn,
  readCountForms,
  countFormsOf,
  compareCatalogs,
  type CatalogMismatch,
  type ParsedCatalog,
  type PlaceholderValue,
  type PromptCatalog,
} from './catalog.js';
export {
  buildPrompts,
  type BuildPromptsOptions,
  type BuildProgress,
  type BuildResult,
  type LanguageCounts,
} from './build.js';
export { createSpeech, type Speech } from './speech.js';
export {
  SpeechEngineMissing,
  SpeechRenderFailed,
  PromptCatalogError,
  UnknownPrompt,
  MissingPlaceholderValue,
} from './errors.js';
