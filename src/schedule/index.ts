export {
  activeProfile,
  activeProfileTrace,
  type ActiveProfile,
  type ProfileTrace,
  type ActiveProfileInput,
  type ProfileReason,
} from './activeProfile.js';
export {
  checkOfficeHours,
  isOpen,
  nextChange,
  officeState,
  officeStateDetail,
  type OfficeStateDetail,
  ScheduleError,
  type OfficeState,
  type ScheduleErrorCode,
} from './officeHours.js';
export {
  FALLBACK_TIME_ZONE,
  formatUserOfficeHours,
  parseUserOfficeHours,
  userScheduleRules,
  type SettingProblem,
  type UserOfficeHoursResult,
  type UserScheduleSettings,
} from './userHours.js';
export {
  dayIn,
  isCalendarDate,
  vacationActive,
  vacationState,
  type VacationSettings,
  type VacationState,
} from './vacation.js';
