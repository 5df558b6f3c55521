/**
 * Every path of the UI, in one place: the router's patterns and the links to them. Nothing else
 * writes a UI path by hand (ESLint refuses a '/tasks…' or '/presets…' string elsewhere).
 */
export const paths = {
  home: '/',
  presets: '/presets',
  tasks: '/tasks',
  newTask: '/tasks/new',
  /** The page of one task. */
  task: (id: number | string) => `/tasks/${id}`,
} as const;

/** Route patterns for the router, relative to the app's root route. */
export const patterns = {
  presets: 'presets',
  tasks: 'tasks',
  newTask: 'tasks/new',
  task: 'tasks/:taskId',
} as const;
