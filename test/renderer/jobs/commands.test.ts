import { describe, expect, it } from 'vitest';
import { folderError, jobCommands, shellWord } from '../../../renderer/src/jobs/commands';

describe('job commands', () => {
  it('quotes a folder for the shell only when it must', () => {
    expect(shellWord('/home/me/jobs/mnist-800')).toBe('/home/me/jobs/mnist-800');
    expect(shellWord("/home/me/my jobs/bob's")).toBe("'/home/me/my jobs/bob'\\''s'");
  });

  it('gives the commands to run the job alone, on N processes, on several nodes, and to bring it back', () => {
    const c = jobCommands('/data/job one', 4);
    expect(c.map((x) => x.command)).toEqual([
      "cd '/data/job one' && python3 train.py",
      "cd '/data/job one' && torchrun --standalone --nproc_per_node=4 train.py",
      'torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=head-node:29500 --rdzv_id=job1 train.py',
      "npx stbp runs import-job '/data/job one'",
    ]);
  });

  it('asks for an absolute folder', () => {
    expect(folderError('  ')).toMatch(/^Give a folder/);
    expect(folderError('jobs/x')).toMatch(/absolute path/);
    expect(folderError('/tmp/x')).toBeNull();
    expect(folderError('C:\\jobs\\x')).toBeNull();
  });
});
