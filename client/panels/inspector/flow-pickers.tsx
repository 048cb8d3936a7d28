/**
 * Editors for config fields that name another flow (`editors: {flow: 'flow'}` in a kind's
 * definition) or one of its input fields (`'child-input'`). Choosing a flow changes the node's
 * ports at once: they are read from the chosen flow (state/called-flows.ts).
 */
import { useEffect } from 'react';
import { useCalledFlows, calledFlowsContext } from '../../state/called-flows.ts';
import { documentStore } from '../../state/document.ts';
import { useLibrary } from '../../state/library-store.ts';

interface PickerProps {
  value: string | undefined;
  onChange: (value: string) => void;
  testId: string;
}

/**
 * A choice of the saved flows (never the open flow itself, which cannot call itself). One the
 * server lists with problems stays a choice, marked: the live check names what is wrong with it.
 */
export function FlowPicker({ value, onChange, testId }: PickerProps) {
  const flows = useLibrary((state) => state.flows);
  const own = documentStore.getState().flow.id;
  useEffect(() => {
    void useLibrary.getState().refreshFlows();
  }, []);
  const choices = flows.filter((flow) => flow.id !== own);
  const known = value !== undefined && choices.some((flow) => flow.id === value);
  return (
    <select className="input" value={value ?? ''} onChange={(event) => event.target.value !== '' && onChange(event.target.value)} data-testid={testId}>
      {value === undefined || value === '' ? <option value="">choose a flow…</option> : null}
      {value !== undefined && value !== '' && !known ? <option value={value}>{value} (not a saved flow)</option> : null}
      {choices.map((flow) => (
        <option key={flow.id} value={flow.id}>
          {flow.name ? `${flow.name} (${flow.id})` : flow.id}
          {flow.valid ? '' : ' · has problems'}
        </option>
      ))}
    </select>
  );
}

/** A choice of the input fields of `flowId`, once it is read; a text box until then. */
export function ChildInputPicker({ value, onChange, testId, flowId }: PickerProps & { flowId: string | undefined }) {
  useCalledFlows((state) => state.version);
  const inputs = flowId ? calledFlowsContext().interfaceOf(flowId)?.inputs : undefined;
  if (!inputs) {
    return <input className="input" value={value ?? ''} onChange={(event) => onChange(event.target.value)} data-testid={testId} />;
  }
  const known = value !== undefined && inputs.some((port) => port.name === value);
  return (
    <select className="input" value={value ?? ''} onChange={(event) => event.target.value !== '' && onChange(event.target.value)} data-testid={testId}>
      {!known ? <option value={value ?? ''}>{value ? `${value} (not an input of ${flowId})` : 'choose an input…'}</option> : null}
      {inputs.map((port) => (
        <option key={port.name} value={port.name}>
          {port.name} · {port.type}
        </option>
      ))}
    </select>
  );
}
