import type { AppContext, Application } from './context.js';

/** `set name=value` (an empty value unsets); without `=` nothing happens. */
export const set: Application = { media: false, run: async (ctx, arg) => setVariable(ctx, arg, 'set') };

/** `export`: as `set` here — there is no other leg to export to. */
export const exportVar: Application = {
  media: false,
  run: async (ctx, arg) => setVariable(ctx, arg, 'export'),
};

export const unset: Application = {
  media: false,
  async run(ctx, arg) {
    ctx.vars.delete(arg.trim());
    return undefined;
  },
};

async function setVariable(ctx: AppContext, arg: string, kind: 'set' | 'export'): Promise<undefined> {
  const eq = arg.indexOf('=');
  if (eq <= 0) return undefined;
  const name = arg.slice(0, eq).trim();
  const value = arg.slice(eq + 1);
  ctx.setVar(name, value);
  ctx.note('set', `${name}=${value}${kind === 'export' ? ' (export)' : ''}`);
  return undefined;
}
