// The checker and compiler: turns the parsed files into the IVR graph, reporting every
// problem it finds on the way (it never stops at the first). One file per pass.
export { compileFiles, type CompileResult } from './driver.js';
export type { PromptCatalogs, PromptEntry } from './context.js';
export { systemPrompts } from './prompts.js';
export { menuDefaults } from './menus.js';
