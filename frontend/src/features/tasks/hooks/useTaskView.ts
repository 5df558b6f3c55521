/** The state of a task's page: its experiments (live while it runs), the best, the open log and save dialogs. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { taskKeys, useExperiments } from '../api/taskService';
import type { LogSource } from '../components/ExperimentLogDrawer';
import { baselineExperiment, bestExperiment } from '../lib/experimentMetrics';
import type { Task } from '../types/task';

type LogTarget = { kind: 'experiment'; id: number } | { kind: 'task' } | null;

export function useTaskView(task: Task) {
  const running = task.status === 'running';
  const experiments = useExperiments(task.id, running);
  const list = experiments.data ?? [];
  const best = bestExperiment(list, task.best_experiment_id);
  const baseline = baselineExperiment(list);
  const [logTarget, setLogTarget] = useState<LogTarget>(null);
  const [saveId, setSaveId] = useState<number | null>(null);

  // The experiments follow the task: fetch them again whenever its progress or status moves
  // (the task's live stream refreshes them too; this covers the fallback polling of the task).
  const client = useQueryClient();
  const progressKey = `${task.status}:${task.experiments_done}:${task.best_experiment_id}`;
  const seen = useRef(progressKey);
  useEffect(() => {
    if (seen.current === progressKey) return;
    seen.current = progressKey;
    void client.invalidateQueries({ queryKey: taskKeys.experiments(task.id) });
  }, [client, progressKey, task.id]);

  let logSource: LogSource | null = null;
  if (logTarget?.kind === 'task') logSource = { kind: 'task', task };
  else if (logTarget?.kind === 'experiment') {
    const experiment = list.find((e) => e.id === logTarget.id);
    logSource = experiment ? { kind: 'experiment', experiment } : null;
  }
  const saving = saveId === null ? null : (list.find((e) => e.id === saveId) ?? null);

  return {
    running,
    experiments,
    list,
    best,
    baseline,
    logSource,
    showTaskLog: () => setLogTarget({ kind: 'task' }),
    showExperimentLog: (id: number) => setLogTarget({ kind: 'experiment', id }),
    closeLog: () => setLogTarget(null),
    saving,
    saveAsPreset: (id: number) => setSaveId(id),
    closeSave: () => setSaveId(null),
  };
}
