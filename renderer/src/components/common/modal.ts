import { nextTick, ref, watch, type Ref } from 'vue';

/**
 * A native <dialog> shown as a modal while `open()` is true and closed when it turns false. Bind the
 * returned ref to the element; `onOpen` runs just before it is shown (reset errors, pick defaults),
 * `onShown` just after (move the focus).
 */
export function useModal(open: () => boolean, onOpen?: () => void, onShown?: () => void): Ref<HTMLDialogElement | null> {
  const dialog = ref<HTMLDialogElement | null>(null);
  watch(open, async (shown) => {
    await nextTick();
    if (shown && dialog.value && !dialog.value.open) {
      onOpen?.();
      dialog.value.showModal();
      onShown?.();
    } else if (!shown && dialog.value?.open) dialog.value.close();
  });
  return dialog;
}
