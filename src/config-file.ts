import { readFileSync } from 'node:fs';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';

/** A config file that failed to parse or validate; each problem names the file and the path in it. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigFileError';
  }
}

/**
 * Reads a JSON or YAML file and validates it against `schema` (unknown keys fail when the schema
 * says `additionalProperties: false`). Defaults from the schema are applied.
 */
export function loadConfigFile<S extends TSchema>(file: string, schema: S): Static<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, [`cannot read: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigFileError(file, [
      `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    ]);
  }
  const value = Value.Default(schema, document ?? {});
  const problems = [...Value.Errors(schema, value)].map((error) => `${error.instancePath || '/'}: ${error.message}`);
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return value as Static<S>;
}
