// Whether she may log in by phone at all: the one rule the login, the reminder and the welcome
// mail share (a PIN is told or recalled only to someone who can use it).
import type { DirectoryUser } from '../directory/index.js';
import type { LoginPolicy } from './ports.js';

/** her phone login as her settings and the site's make it: `none` = off from every number */
export function loginAccess(user: DirectoryUser, policy: LoginPolicy): 'none' | 'settings' | 'messages' {
  return user.settings.access ?? (policy.allowed ? policy.access : 'none');
}
