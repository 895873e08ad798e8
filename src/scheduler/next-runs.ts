import cron from 'node-cron';

// The next `count` times a schedule fires, by the same cron evaluation as the scheduler's tasks (`main schedule
// --list`, `main next`). The task is made to be asked, never started.
export function nextRuns(expression: string, timezone: string, count: number): Date[] {
  const task = cron.createTask(expression, () => {}, { timezone, suppressMissedWarning: true });
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}
