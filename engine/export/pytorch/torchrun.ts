/**
 * torchrun's arguments (as `python3 -m torch.distributed.run …`, torchrun's own entry point) to run
 * a job's train.py as `nproc` processes on this machine, followed by the script and its flags.
 *
 * Not `--standalone`: torch 1.13 puts every standalone job's rendezvous on port 29400, so a second
 * job on the same machine joins the first one's rendezvous, and the first one's end stops it
 * (measured: "failed to bind to 0.0.0.0:29400", then SIGTERM to its workers). Each job gets its
 * own port and id instead (newer torch does the same for --standalone). `--redirects 1 --tee 1`:
 * rank 0's output is teed to the console and every rank's stdout kept under `logDir`; it also avoids
 * the crash of torch 1.13's torchrun on Python 3.11 (Debian 12) with its default of no redirects.
 */
export function localTorchrunArgs(o: { nproc: number; port: number; id: string; logDir: string }): string[] {
  return [
    '-m', 'torch.distributed.run', '--nnodes=1', `--nproc_per_node=${o.nproc}`,
    '--rdzv_backend=c10d', `--rdzv_endpoint=127.0.0.1:${o.port}`, `--rdzv_id=${o.id}`,
    '--redirects', '1', '--tee', '1', '--log_dir', o.logDir,
  ];
}
