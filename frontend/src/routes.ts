/**
 * Every path of the UI, in one place: the router's patterns and the links to them. Nothing else
 * writes a UI path by hand (ESLint refuses a '/tasks…' or '/presets…' string elsewhere).
 */
export const paths = {
  home: '/',
  presets: '/presets',
  /** The presets page with one preset's history open, at a version (a task's link). */
  presetHistory: (id: number, version?: number | null) => `/presets?history=${id}${version ? `&version=${version}` : ''}`,
  tasks: '/tasks',
  newTask: '/tasks/new',
  /** The page of one task. */
  task: (id: number | string) => `/tasks/${id}`,
  /** The signed-in user's API tokens. */
  tokens: '/account/tokens',
  /** Admins: users and teams (team owners manage their members there too). */
  users: '/admin/users',
  /** Admins: the audit log. */
  audit: '/admin/audit',
  /** What presets are worth: their record, parameter importance, comparisons and suggestions. */
  analytics: '/analytics',
  /** The service: version, database, worker and the GPU / slot pool. */
  system: '/system',
} as const;

/** Route patterns for the router, relative to the app's root route. */
export const patterns = {
  presets: 'presets',
  tasks: 'tasks',
  newTask: 'tasks/new',
  task: 'tasks/:taskId',
  tokens: 'account/tokens',
  users: 'admin/users',
  audit: 'admin/audit',
  system: 'system',
  analytics: 'analytics',
} as const;
