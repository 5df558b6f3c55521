import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiErrorAlert, parameterErrors, topFieldErrors } from '../components/ApiErrorAlert';
import { renderWithProviders } from '../test/render';
import { ApiError, errorFromBody, errorMessage } from './client';

describe('errorFromBody', () => {
  it('keeps the server sentence and reads field errors with locations', () => {
    const err = errorFromBody(422, {
      detail: "Invalid field 'parameters.tp-size': must be an array of values like [1, 2], not 1.",
      errors: [
        { loc: ['body', 'parameters', 'tp-size'], msg: 'must be an array of values like [1, 2], not 1' },
        { field: 'name', message: 'the name must not be empty' },
      ],
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.detail).toMatch(/^Invalid field 'parameters.tp-size'/);
    expect(err.fieldErrors).toEqual([
      { field: 'parameters.tp-size', message: 'must be an array of values like [1, 2], not 1' },
      { field: 'name', message: 'the name must not be empty' },
    ]);
    expect(parameterErrors(err)).toEqual({ 'tp-size': 'must be an array of values like [1, 2], not 1' });
    expect(topFieldErrors(err)).toEqual({ name: 'the name must not be empty' });
  });

  it('maps nested and override locations to editor names', () => {
    const err = errorFromBody(422, {
      detail: 'Bad overrides.',
      errors: [
        { loc: ['body', 'presets', 'overrides', 'tp-size'], msg: 'bad' },
        { loc: ['body', 'parameters', 'speculative', 'num-steps'], msg: 'worse' },
      ],
    });
    expect(parameterErrors(err)).toEqual({ 'tp-size': 'bad', 'speculative/num-steps': 'worse' });
  });

  it('turns a FastAPI list detail into a sentence', () => {
    const err = errorFromBody(422, { detail: [{ loc: ['body', 'name'], msg: 'Field required' }] });
    expect(err.detail).toBe('name: Field required');
  });

  it('never answers with a bare "Error" when the body is empty', () => {
    const err = errorFromBody(502, undefined, 'Bad Gateway');
    expect(err.detail).toMatch(/^The server answered 502 Bad Gateway; try again/);
    expect(errorMessage(new Error(''))).toBe('Something went wrong; try again.');
  });
});

describe('ApiErrorAlert', () => {
  it("renders the server's sentence, not 'Error'", () => {
    const err = new ApiError(422, "Import validation failed: parameter 'tp-size' must be an array of values like [1, 2], not 1.");
    renderWithProviders(<ApiErrorAlert error={err} title="Import refused" />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Import refused');
    expect(alert).toHaveTextContent("Import validation failed: parameter 'tp-size' must be an array");
  });

  it('lists field errors when asked', () => {
    const err = new ApiError(422, 'Invalid task.', [{ field: 'optimization.max_iterations', message: 'must be at least 1' }]);
    renderWithProviders(<ApiErrorAlert error={err} withFieldErrors />);
    expect(screen.getByRole('alert')).toHaveTextContent('optimization.max_iterations: must be at least 1');
  });
});
