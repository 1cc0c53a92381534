/**
 * What the job dialogs tell a user to type: the one-line commands that run an exported PyTorch job
 * on a laptop, on N processes here, on several nodes, and that bring its results back.
 */
export interface JobCommand {
  what: string;
  command: string;
}

/** A path as a shell word (single-quoted when it holds anything but safe characters). */
export function shellWord(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

export function jobCommands(folder: string, nproc = 2): JobCommand[] {
  const dir = shellWord(folder);
  return [
    { what: 'one process (a laptop; CUDA if there is a GPU)', command: `cd ${dir} && python3 train.py` },
    { what: `${nproc} processes on one machine (DistributedDataParallel)`, command: `cd ${dir} && torchrun --standalone --nproc_per_node=${nproc} train.py` },
    { what: 'several nodes: the same line on each, head-node reachable from all', command: `torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=head-node:29500 --rdzv_id=job1 train.py` },
    { what: 'its results back as a run (when it is done; or live: stbp runs follow)', command: `npx stbp runs import-job ${dir}` },
  ];
}

/** A folder path as typed: trimmed; empty is not a folder. */
export function folderError(path: string): string | null {
  const p = path.trim();
  if (!p) return 'Give a folder: the main side writes the job there (a new or empty folder).';
  if (!p.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(p) && !p.startsWith('~')) return 'Give an absolute path (the main side does not know this page\'s current folder).';
  return null;
}
