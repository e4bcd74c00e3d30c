// The `config.*` switches the menus read, at their defaults (the table: src/graph/switches.ts).
import { switchDefaults, type MenuSwitches } from '../graph/index.js';

export const defaultMenuConfig: Readonly<MenuSwitches> = switchDefaults();
