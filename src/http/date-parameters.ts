import { DateInputError, parseDay, parseInstant } from '../date-input.js';
import { ApiError } from './errors.js';

/** A date-time parameter of a request as a Date, or 400 naming the parameter. */
export function instantParameter(parameter: string, text: string): Date {
  return new Date(named(parameter, () => parseInstant(text)));
}

/** A calendar-day parameter (`YYYY-MM-DD`), or 400 naming the parameter. */
export function dayParameter(parameter: string, text: string): string {
  return named(parameter, () => parseDay(text));
}

function named<T>(parameter: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DateInputError)
      throw new ApiError('bad_request', `${parameter}: ${error.message}`, { parameter });
    throw error;
  }
}
