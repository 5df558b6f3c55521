/**
 * The notifications container alone, for LazyNotifications' import(): importing the package itself
 * there would keep all of it in the first load, which already imports the package's store.
 */
export { Notifications } from '@mantine/notifications';
