// The `modelgate` command line: arguments and printing only; the work is in the rooms below.
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.js';
import { UsageError } from './errors.js';
import { integerOption, listOption, numberOption } from './options.js';

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('modelgate')
    .description('Train, import and serve machine learning models as prediction APIs (AWS Lambda or HTTP).')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('train')
    .description('train gradient-boosted trees (with a mean imputer) on a CSV and write an ONNX model')
    .argument('<csv>', 'training data: a local path or an http(s) URL')
    .requiredOption('-t, --target <column>', 'the column to predict')
    .option('-o, --out <path>', 'where to write the model', 'model.onnx')
    .addOption(
      new Option('--task <task>', 'classification or regression (default: inferred from the target)'),
    )
    .option('--drop <columns>', 'comma-separated columns to leave out (ids, free text)', listOption)
    .option('--name <name>', "the model's name in its card (default: the CSV's base name)")
    .option('--n-estimators <n>', 'boosting stages', integerOption, 100)
    .option('--learning-rate <x>', 'shrinkage of each tree', numberOption, 0.1)
    .option('--max-depth <n>', 'depth of each tree', integerOption, 3)
    .option('--min-samples-split <n>', 'fewest rows a node needs to be split', integerOption, 2)
    .option('--min-samples-leaf <n>', 'fewest rows in a leaf', integerOption, 1)
    .option('--subsample <x>', 'fraction of rows per tree (below 1: stochastic boosting)', numberOption, 1)
    .option('--seed <n>', 'random seed (tie-breaking between equal splits, subsampling)', integerOption, 0)
    .option(
      '--exact-up-to <rows>',
      'exact split search up to this many rows; histogram bins beyond',
      integerOption,
      10_000,
    )
    .option('--max-bins <n>', 'histogram bins per feature past --exact-up-to rows', integerOption, 255)
    .option(
      '--threads <n>',
      "threads for split search (0: the machine's cores, up to 4); the model is the same",
      integerOption,
      0,
    )
    .option('-q, --quiet', 'no progress bar and no summary')
    .action(async (csv: string, opts) => {
      const { trainCommand } = await import('./train.js');
      await trainCommand(csv, opts);
    });

  program
    .command('predict')
    .description('print what the API answers for a request body, without a server')
    .argument('<model>', 'the ONNX model: a local path or an http(s) URL')
    .argument('[body]', 'the JSON body, @file.json, or - (or nothing) to read standard input')
    .action(async (model: string, body: string | undefined) => {
      const { predictCommand } = await import('./predict.js');
      setExitCode(await predictCommand(model, body));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`modelgate: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`modelgate: ${e instanceof RangeError ? 'invalid option: ' : ''}${e.message}\n`);
    if (process.env.MODELGATE_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
