/** The table of sub-commands, in the order `--help` lists them; each module exports `register(program)`. */
import type { Command } from 'commander';
import { register as plan } from './plan.js';
import { register as registerRender } from './render.js';
import { register as registerValidate } from './validate.js';
import { register as registerSchema } from './schema.js';
import { register as registerInit } from './init.js';
import { register as registerServe } from './serve.js';
import { register as registerLock } from './lock.js';

/** Adds one sub-command to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [plan, 
  registerValidate,
  registerSchema,
  registerInit,
  registerRender,
  registerServe,
  registerLock,
];
