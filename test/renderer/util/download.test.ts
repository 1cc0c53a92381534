import { afterEach, describe, expect, it, vi } from 'vitest';
import { downloadBlob, downloadBytes, downloadText, MIME, REVOKE_AFTER_MS } from '../../../renderer/src/util/download';

/** The part of a Document a download touches, recording what happens to the link. */
function fakeDocument() {
  const events: string[] = [];
  const link = {
    href: '', download: '', rel: '', style: { display: '' },
    click: () => events.push(`click ${link.download} ${link.href} attached=${attached}`),
    remove: () => {
      attached = false;
      events.push('remove');
    },
  };
  let attached = false;
  const doc = {
    createElement: (tag: string) => {
      events.push(`create ${tag}`);
      return link;
    },
    body: {
      append: () => {
        attached = true;
      },
    },
  };
  return { doc: doc as unknown as Document, link, events };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('downloads', () => {
  it('clicks a hidden <a download> at an object URL of the bytes, detaches it, and revokes the URL later', async () => {
    vi.useFakeTimers();
    const made: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      made.push(blob as Blob);
      return 'blob:test/1';
    });
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const { doc, link, events } = fakeDocument();

    downloadText('run-3-epochs.csv', 'epoch,loss\r\n1,0.5\r\n', MIME.csv, doc);
    expect(events).toEqual(['create a', 'click run-3-epochs.csv blob:test/1 attached=true', 'remove']);
    expect(link.style.display).toBe('none');
    expect(made[0]!.type).toBe('text/csv;charset=utf-8');
    expect(await made[0]!.text()).toBe('epoch,loss\r\n1,0.5\r\n');

    // The URL lives on while the browser starts the download.
    vi.advanceTimersByTime(REVOKE_AFTER_MS - 1);
    expect(revoke).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(revoke).toHaveBeenCalledWith('blob:test/1');
  });

  it('saves bytes as they are, with their type', async () => {
    const made: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      made.push(blob as Blob);
      return 'blob:test/3';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const { doc, events } = fakeDocument();
    downloadBytes('model.stbp', new Uint8Array([0x53, 0x54, 0, 255]), 'application/octet-stream', doc);
    expect(events[1]).toBe('click model.stbp blob:test/3 attached=true');
    expect(made[0]!.type).toBe('application/octet-stream');
    expect([...new Uint8Array(await made[0]!.arrayBuffer())]).toEqual([0x53, 0x54, 0, 255]);
  });

  it('still detaches the link and frees the URL when the click throws', () => {
    vi.useFakeTimers();
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:test/2');
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const { doc, link, events } = fakeDocument();
    link.click = () => {
      throw new Error('blocked');
    };
    expect(() => downloadBlob('x.png', new Blob(['x']), doc)).toThrow('blocked');
    expect(events.at(-1)).toBe('remove');
    vi.runAllTimers();
    expect(revoke).toHaveBeenCalledWith('blob:test/2');
  });
});
