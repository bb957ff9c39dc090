/**
 * A saga definition's DAG as text other tools draw: Mermaid (GitHub and most Markdown
 * viewers render it) or Graphviz DOT. Edges are the direct `after` dependencies; TCC steps
 * and steps with nothing to compensate are marked, because they behave differently when
 * the run fails.
 *
 * @module
 */
import type { SagaDefinition, StepDefinition } from '../../saga/index.js';

/** The graph formats `rewind graph` writes. */
export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;

/** One of {@link GRAPH_FORMATS}. */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** `definition`'s DAG in `format`, as lines. */
export function renderGraph(definition: SagaDefinition, format: GraphFormat): string[] {
  return format === 'mermaid' ? mermaid(definition) : dot(definition);
}

function label(step: StepDefinition): string {
  if (step.kind === 'tcc') return `${step.name}\ntry / confirm / cancel`;
  return step.compensate === undefined ? `${step.name}\nno compensation` : step.name;
}

function mermaid(definition: SagaDefinition): string[] {
  // Node ids are positions, not names: step names may hold characters Mermaid gives meaning to.
  const id = (name: string): string => `s${definition.getStep(name)?.index ?? -1}`;
  const text = (step: StepDefinition): string => `"${label(step).replace(/"/g, '#quot;').replace(/\n/g, '<br/>')}"`;
  const lines = ['flowchart TD', `  %% saga ${definition.name} v${definition.version}`];
  for (const step of definition.steps) {
    lines.push(step.kind === 'tcc' ? `  ${id(step.name)}{{${text(step)}}}` : `  ${id(step.name)}[${text(step)}]`);
  }
  for (const step of definition.steps) for (const before of step.after) lines.push(`  ${id(before)} --> ${id(step.name)}`);
  const plain = definition.steps.filter((s) => s.kind === 'step' && s.compensate === undefined).map((s) => id(s.name));
  if (plain.length > 0) lines.push('  classDef noCompensation stroke-dasharray: 5 5', `  class ${plain.join(',')} noCompensation`);
  return lines;
}

function dot(definition: SagaDefinition): string[] {
  const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const lines = [`digraph ${quote(`${definition.name} v${definition.version}`)} {`, '  rankdir=TB;', '  node [shape=box];'];
  for (const step of definition.steps) {
    const attributes = [`label=${quote(label(step))}`];
    if (step.kind === 'tcc') attributes.push('shape=hexagon');
    else if (step.compensate === undefined) attributes.push('style=dashed');
    lines.push(`  ${quote(step.name)} [${attributes.join(', ')}];`);
  }
  for (const step of definition.steps) for (const before of step.after) lines.push(`  ${quote(before)} -> ${quote(step.name)};`);
  lines.push('}');
  return lines;
}
