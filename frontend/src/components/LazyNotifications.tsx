/**
 * Mantine's notifications container, loaded when the first notification is shown: until then
 * nothing needs it on screen, and `notifications.show()` only writes to the store it reads.
 */
import { notificationsStore, useNotifications, type NotificationsProps } from '@mantine/notifications';
import { lazy, Suspense, useEffect, useState } from 'react';

const Notifications = lazy(() => import('./notificationsContainer').then((m) => ({ default: m.Notifications })));

/** The `<Notifications>` container, with the same props, rendered from the first notification on. */
export function LazyNotifications(props: NotificationsProps) {
  const { notifications } = useNotifications(notificationsStore);
  const { position = 'bottom-right', limit = 5 } = props;
  // What the container sets on mount, set before it: where and how many notifications show at once.
  useEffect(() => {
    notificationsStore.updateState((state) => ({ ...state, defaultPosition: position, limit }));
  }, [position, limit]);
  const [needed, setNeeded] = useState(false);
  if (notifications.length > 0 && !needed) setNeeded(true);
  if (!needed) return null;
  return (
    <Suspense fallback={null}>
      <Notifications {...props} />
    </Suspense>
  );
}
