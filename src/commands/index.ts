/** The table of sub-commands, in the order `--help` lists them; each module exports `register(program)`. */
import type { Command } from 'commander';
import { register as registerRender } from './render.js';
import { register as registerValidate } from './validate.js';
import { register as registerSchema } from './schema.js';
import { register as registerInit } from './init.js';
import { register as registerPlan } from './plan.js';
import { register as registerBuild } from './build.js';
import { register as registerServe } from './serve.js';
import { register as registerLock } from './lock.js';
import { register as registerKconfig } from './kconfig.js';
import { register as registerBootTest } from './boot-test.js';
import { register as registerLab } from './lab.js';
import { register as registerSources } from './sources.js';
import { register as registerReleases } from './releases.js';
import { register as registerDiff } from './diff.js';
import { register as registerHardware } from './hardware.js';

/** Adds one sub-command to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerValidate,
  registerSchema,
  registerInit,
  registerRender,
  registerPlan,
  registerBuild,
  registerReleases,
  registerDiff,
  registerServe,
  registerLock,
  registerSources,
  registerKconfig,
  registerHardware,
  registerBootTest,
  registerLab,
];
