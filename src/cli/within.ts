/** The CLI's name for the runtime's bounded wait (src/runtime/settle.ts): one implementation for both. */
export { settleWithin as within } from '../runtime/settle';
