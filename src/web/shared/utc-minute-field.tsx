import { useEffect, useId, useRef, useState } from 'react';
import { readUtcMinute, showUtcMinute, UTC_MINUTE_FORMAT } from './utc-minute.ts';

/**
 * A labelled text field for a UTC minute, typed as YYYY-MM-DD HH:MM on the 24-hour clock (utc-minute.ts says why
 * not datetime-local). What is wrong with it is the input's own validity (setCustomValidity), so a dialog's or a
 * filter form's check finds it with every other invalid field and sends nothing; it is also written under the
 * field once the form is checked, or when it arrives invalid (an impossible date in a shared link). Not when the
 * field is merely left: the line it adds would move the button being clicked from under the pointer.
 */
export function UtcMinuteField(props: {
  label: string;
  name: string;
  /** A URL's minute ("2026-03-01T17:30") or an API timestamp. */
  defaultValue?: string;
  required?: boolean;
  /** Said after the format, e.g. "Blank: now". */
  hint?: string;
  testId?: string;
}) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [shown, setShown] = useState<string | null>(null);
  const problemOf = (value: string) => {
    if (value.trim() === '') return '';
    const read = readUtcMinute(value);
    return read.ok ? '' : read.problem;
  };
  /** Sets the input's validity from its text; answers the problem ('' when none; a blank required field is the browser's valueMissing). */
  const check = () => {
    const element = input.current;
    if (!element) return '';
    const problem = problemOf(element.value);
    element.setCustomValidity(problem);
    return problem;
  };
  useEffect(() => {
    const problem = check();
    if (problem) setShown(problem);
    // A dialog resets its form each time it opens (a reset fires no input event): check the restored value after it.
    const form = input.current?.form;
    const reset = () =>
      setTimeout(() => {
        check();
        setShown(null);
      });
    form?.addEventListener('reset', reset);
    return () => form?.removeEventListener('reset', reset);
  }, []);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        ref={input}
        id={id}
        name={props.name}
        type="text"
        autoComplete="off"
        spellCheck={false}
        maxLength={24}
        placeholder={UTC_MINUTE_FORMAT}
        required={props.required}
        defaultValue={showUtcMinute(props.defaultValue)}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? `${hintId} ${errorId}` : hintId}
        data-testid={props.testId}
        data-own-error=""
        onInput={() => {
          const problem = check();
          // Once shown, the message follows the typing, and goes as soon as the text is right.
          if (shown !== null) setShown(problem || null);
        }}
        onInvalid={(event) => setShown(event.currentTarget.validationMessage)}
      />
      <small className="muted" id={hintId}>
        {/* Wrapped between its parts, never at a hyphen of the format or of "24-hour". */}
        <span className="nowrap">{UTC_MINUTE_FORMAT}</span>, <span className="nowrap">24-hour</span>
        {props.hint ? `. ${props.hint}` : ''}
      </small>
      {shown ? (
        <small className="field-error" id={errorId} data-testid={props.testId ? `${props.testId}-error` : undefined}>
          {shown}
        </small>
      ) : null}
    </div>
  );
}
