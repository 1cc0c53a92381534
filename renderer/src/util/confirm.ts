import { shallowRef } from 'vue';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel?: string;
  danger?: boolean;
  resolve(answer: boolean): void;
}

/** The one open confirmation, shown by ConfirmDialog in App.vue (never window.confirm: it blocks). */
export const pendingConfirm = shallowRef<ConfirmRequest | null>(null);

export function confirmAction(request: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
  pendingConfirm.value?.resolve(false);
  return new Promise((resolve) => {
    pendingConfirm.value = {
      ...request,
      resolve: (answer) => {
        pendingConfirm.value = null;
        resolve(answer);
      },
    };
  });
}
