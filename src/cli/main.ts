import { Command } from 'commander';

export async function run(argv: string[]): Promise<number> {
  const program = new Command('voicebox');
  program.description('voice-mail server with remote inquiry for FreeSWITCH');
  await program.parseAsync(argv);
  return 0;
}
