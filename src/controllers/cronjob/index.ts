// The CronJob controller (upstream pkg/controller/cronjob).
import type { ControllerRegistration } from '../../client/index.js';
import { CronJobController } from './controller.js';

export * from './tz.js';
export * from './cron.js';
export * from './schedule.js';
export * from './controller.js';

export const registration: ControllerRegistration = {
  name: 'cronjob',
  register(ctx) {
    new CronJobController(ctx).controller.run();
  },
};
