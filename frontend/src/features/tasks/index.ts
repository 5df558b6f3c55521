/** The tasks feature: what pages may use of it (nothing else is public). */
export { useTask, useTasks, type TaskFilters } from './api/taskService';
export { ImportTaskFile } from './components/ImportTaskFile';
export { DiscardEditsDialog } from './components/new-task/DiscardEditsDialog';
export { ParametersSection } from './components/new-task/ParametersSection';
export { BenchmarkSection, OptimizationSection, SloSection } from './components/new-task/SearchSections';
export { TaskSection } from './components/new-task/TaskSection';
export { TaskView } from './components/task-page/TaskView';
export { TasksTable } from './components/TasksTable';
export { useNewTaskForm } from './hooks/useNewTaskForm';
export type { Task } from './types/task';
