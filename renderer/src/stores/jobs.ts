import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ExportJobRequest, JobFolder, JobFolderRequest, PythonInfo, RunSummary, StartJobRequest } from '../../../main/contract';
import { errorMessage, useHost } from '../host';
import { useRunsStore } from './runs';

/**
 * PyTorch jobs: export a run or a design as a job folder on the main side's disk, run one here
 * under torchrun, import or follow one's results. Whether a job can run here is asked once.
 */
export const useJobsStore = defineStore('jobs', () => {
  const host = useHost();
  const runs = useRunsStore();
  const python = ref<PythonInfo | null>(null);
  const pythonError = ref<string | null>(null);

  async function loadPython(): Promise<PythonInfo | null> {
    if (python.value) return python.value;
    try {
      python.value = await host.pythonInfo();
      pythonError.value = null;
    } catch (cause) {
      pythonError.value = errorMessage(cause);
    }
    return python.value;
  }

  const exportJob = (request: ExportJobRequest): Promise<JobFolder> => host.exportPytorchJob(request);

  /** A run of the store is returned: the runs list shows it at once. */
  async function withRun(make: () => Promise<RunSummary>): Promise<RunSummary> {
    const run = await make();
    runs.upsert(run);
    return run;
  }

  return {
    python, pythonError, loadPython, exportJob,
    start: (request: StartJobRequest) => withRun(() => host.startPytorchJob(request)),
    importResults: (request: JobFolderRequest) => withRun(() => host.importJobResults(request)),
    follow: (request: JobFolderRequest) => withRun(() => host.followJob(request)),
  };
});
