// The `config.*` switches the menus read, with the reference defaults (ixi-UMS §4.7, §4.9).
import type { Value } from './values.js';

export const defaultMenuConfig: Readonly<Record<string, Value>> = {
  language_choice: 'by_caller',
  global_greeting: 'when_missing',
  announce_number_as: 'extension',
  message_order: 'newest_first',
  message_format: 'date_sender_content',
  options_after_message: true,
  allow_reply: true,
  allow_forward_voice: true,
  allow_forward_fax: true,
  allow_call_back: true,
  allow_greeting_type: true,
  allow_delete_greetings: true,
  allow_delete_all_greetings: true,
  allow_transfer_setup: true,
  max_message: 180_000,
};
