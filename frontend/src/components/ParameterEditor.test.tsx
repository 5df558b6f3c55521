import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { rowsToSpace, type ParameterRow } from '../lib/parameterSpace';
import { renderWithProviders } from '../test/render';
import { ParameterEditor } from './ParameterEditor';

function Harness({
  initial,
  errors,
  onRows,
  showAll = false,
}: {
  initial: ParameterRow[];
  errors?: Record<string, string>;
  onRows: (rows: ParameterRow[]) => void;
  showAll?: boolean;
}) {
  const [rows, setRows] = useState(initial);
  return (
    <ParameterEditor
      rows={rows}
      onChange={(next) => {
        setRows(next);
        onRows(next);
      }}
      errors={errors}
      showAllProblems={showAll}
      suggestions={[
        { name: 'tp-size', type: 'int', description: 'Tensor parallelism' },
        { name: 'enable-torch-compile', type: 'bool', description: 'Compile the model' },
      ]}
    />
  );
}

/** The text field of a TagsInput (its listbox carries the same label). */
function valuesInput(label: string): HTMLInputElement {
  const input = screen.getAllByLabelText(label).find((el) => el.tagName === 'INPUT');
  if (!input) throw new Error(`no input labelled ${label}`);
  return input as HTMLInputElement;
}

describe('ParameterEditor', () => {
  it('types each chip: "4" is a number, "true" a boolean, "4bit" text', async () => {
    const user = userEvent.setup();
    let latest: ParameterRow[] = [];
    renderWithProviders(<Harness initial={[{ id: 'r1', name: 'quantization', values: [] }]} onRows={(r) => (latest = r)} />);
    const input = valuesInput('Values of quantization');
    await user.type(input, '4{Enter}');
    await user.type(input, 'true{Enter}');
    await user.type(input, '4bit{Enter}');
    await user.type(input, '"8"{Enter}');
    expect(rowsToSpace(latest)).toEqual({ quantization: [4, true, '4bit', '8'] });
    expect(latest[0].values.map((v) => typeof v)).toEqual(['number', 'boolean', 'string', 'string']);
  });

  it('adds and removes parameter rows without submitting anything', async () => {
    const user = userEvent.setup();
    let latest: ParameterRow[] = [];
    renderWithProviders(<Harness initial={[{ id: 'r1', name: 'tp-size', values: [1, 2] }]} onRows={(r) => (latest = r)} />);
    for (const button of screen.getAllByRole('button')) expect(button).toHaveAttribute('type', 'button');
    await user.click(screen.getByRole('button', { name: 'Add parameter' }));
    await user.type(screen.getByRole('combobox', { name: 'Parameter 2 name' }), 'mem-fraction-static');
    await user.type(valuesInput('Values of mem-fraction-static'), '0.9{Enter}');
    expect(rowsToSpace(latest)).toEqual({ 'tp-size': [1, 2], 'mem-fraction-static': [0.9] });
    await user.click(screen.getByRole('button', { name: 'Remove tp-size' }));
    expect(rowsToSpace(latest)).toEqual({ 'mem-fraction-static': [0.9] });
  });

  it('shows a server error beside the parameter it concerns', () => {
    renderWithProviders(
      <Harness
        initial={[
          { id: 'r1', name: 'tp-size', values: [0] },
          { id: 'r2', name: 'schedule-policy', values: ['lpm'] },
        ]}
        errors={{ 'tp-size': 'tp-size must be at least 1' }}
        onRows={() => {}}
      />,
    );
    const tp = valuesInput('Values of tp-size');
    expect(tp).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('tp-size must be at least 1')).toBeInTheDocument();
    expect(valuesInput('Values of schedule-policy')).not.toHaveAttribute('aria-invalid', 'true');
  });

  it('flags a parameter without values once the user leaves its row, not while typing its name', async () => {
    const user = userEvent.setup();
    renderWithProviders(<Harness initial={[{ id: 'r1', name: '', values: [] }]} onRows={() => {}} />);
    await user.type(screen.getByRole('combobox', { name: 'Parameter 1 name' }), 'tp-s');
    expect(screen.queryByText(/Add at least one value/)).toBeNull();
    await user.type(screen.getByRole('combobox', { name: 'Parameter 1 name' }), 'ize');
    await user.click(valuesInput('Values of tp-size'));
    expect(screen.queryByText(/Add at least one value/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Add parameter' }));
    expect(screen.getByText("Add at least one value for 'tp-size'.")).toBeInTheDocument();
  });

  it('flags every row at once after a submit attempt', () => {
    renderWithProviders(<Harness initial={[{ id: 'r1', name: 'tp-size', values: [] }]} onRows={() => {}} showAll />);
    expect(screen.getByText("Add at least one value for 'tp-size'.")).toBeInTheDocument();
  });

  it('closes the value suggestions after Enter', async () => {
    const user = userEvent.setup();
    renderWithProviders(<Harness initial={[{ id: 'r1', name: 'enable-torch-compile', values: [] }]} onRows={() => {}} />);
    const input = valuesInput('Values of enable-torch-compile');
    await user.type(input, 't');
    expect(screen.getByRole('listbox')).toBeInTheDocument();
    await user.type(input, 'rue{Enter}');
    expect(screen.queryByRole('listbox')).toBeNull();
  });
});
