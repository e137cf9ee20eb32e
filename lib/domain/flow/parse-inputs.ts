/** A flow's `inputs` section → the {@link FlowInput} declarations its executions are given. */
import { checkElementId } from './element-ids';
import { ValidationError } from './errors';
import { checkKeys, expectMap, optionalBoolean, optionalString, requiredString } from './field-readers';
import { coerceInputValue, INPUT_TYPES } from './inputs';
import type { FlowInput, InputType } from './model';
import { describe } from './values';

const INPUT_KEYS = ['id', 'name', 'type', 'required', 'defaults', 'description', 'displayName'];

/**
 * Parses the flow's `inputs` list (paths `inputs[i]…`).
 *
 * @returns one declaration per item, with `required` defaulted to true and `defaults` coerced
 *   to the input's type; an absent or `null` section is no inputs.
 * @throws ValidationError at the offending path.
 */
export function parseInputs(value: unknown): FlowInput[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new ValidationError('inputs', `expected a list of inputs, got ${describe(value)}`);
  }
  const seen = new Map<string, string>();
  return value.map((item, i) => {
    const path = `inputs[${i}]`;
    const map = expectMap(item, path, 'an input as {id, type, …}');
    checkKeys(map, path, INPUT_KEYS, {});

    // Kestra still accepts the pre-0.14 `name` in place of `id`.
    let id: string;
    let idPath = `${path}.id`;
    if (map.id !== undefined && map.id !== null) {
      id = requiredString(map, 'id', idPath, 'an input id');
      if (map.name !== undefined && map.name !== null && map.name !== id) {
        throw new ValidationError(`${path}.name`, `"name" (legacy) differs from "id" ${JSON.stringify(id)}; expected only "id"`);
      }
    } else if (map.name !== undefined && map.name !== null) {
      idPath = `${path}.name`;
      id = requiredString(map, 'name', idPath, 'an input id');
    } else {
      throw new ValidationError(idPath, 'required: expected an input id');
    }
    checkElementId(id, idPath, 'input id');
    const first = seen.get(id);
    if (first !== undefined) {
      throw new ValidationError(idPath, `duplicate input id ${JSON.stringify(id)}, already used by ${first}; expected unique input ids`);
    }
    seen.set(id, path);

    const typePath = `${path}.type`;
    const type = requiredString(map, 'type', typePath, `an input type (${INPUT_TYPES.join(', ')})`);
    if (!(INPUT_TYPES as readonly string[]).includes(type)) {
      throw new ValidationError(typePath, `unsupported input type ${JSON.stringify(type)}; supported: ${INPUT_TYPES.join(', ')}`);
    }
    const input: FlowInput = {
      id,
      type: type as InputType,
      required: optionalBoolean(map, 'required', `${path}.required`, true),
    };
    if (map.defaults !== undefined && map.defaults !== null) {
      input.defaults = coerceInputValue(input.type, map.defaults, `${path}.defaults`);
    }
    const description = optionalString(map, 'description', `${path}.description`);
    if (description !== undefined) input.description = description;
    optionalString(map, 'displayName', `${path}.displayName`); // validated; the model has no field for it
    return input;
  });
}
