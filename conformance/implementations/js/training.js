'use strict';
/**
 * Validation of `training` (SPEC.md §11, phase 3 step 8 of §13.1), in the order of §11.8.
 */

const { fail } = require('./errors');
const { isObject, isInt, isString, isNumber } = require('./json');
const { sortedKeys } = require('./canonical');
const { READER_MINOR, REVERSE_DNS, show, checkKeys } = require('./rules');

/** The keys of `training` (§11.1, §11.9) with the minor version that introduced each. */
const TRAINING_KEYS_SINCE = [['epoch', 0], ['step', 0], ['optimizer', 0], ['scheduler', 1], ['scaler', 1],
  ['rng', 1], ['data', 1], ['extra', 1]];
const OPTIMIZER_KEYS = ['type', 'groups', 'state'];
const GROUP_KEYS = ['hyperparameters', 'parameters'];
const STATE_KEYS = ['step', 'slots'];
const EXT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

const lr = ['lr', 'nonneg'];
const eps = ['eps', 'nonneg'];
const wd = ['weight_decay', 'nonneg'];
const betas = ['betas', 'betas'];
const maximize = ['maximize', 'bool'];
/**
 * The core optimizer types (§11.2-11.3): since, hyperparameters in table order [key, kind], slots.
 * kinds: 'nonneg' (number >= 0), 'any' (number), 'unit' (number in [0, 1]), 'bool',
 * 'betas' (2 numbers in [0, 1)), 'pair' (2 numbers >= 0).
 * slots: [name, shape ('like' | 'scalar' | 'row' | 'col'), condition (hyperparameter or null), required,
 * ranks ('matrix': rank >= 2, 'vector': rank < 2, absent: any)].
 * more kinds: 'nonpos' (number <= 0), 'atleast1' (number >= 1), 'triple' (3 numbers), 'ns_steps'
 * (integer in [0, 99]), 'adjust_lr_fn' (null, "original" or "match_rms_adamw"),
 * 'eps_pair' ([null or number >= 0, number >= 0]).
 */
const ADAM_SLOTS = [['exp_avg', 'like', null, true], ['exp_avg_sq', 'like', null, true],
  ['max_exp_avg_sq', 'like', 'amsgrad', true]];
const MOMENTS = [['exp_avg', 'like', null, true], ['exp_avg_sq', 'like', null, true]];
const ADAM = [lr, betas, eps, wd, ['amsgrad', 'bool'], maximize];
const OPTIMIZERS = {
  SGD: { since: 0, step: false, hyper: [lr, ['momentum', 'nonneg'], ['dampening', 'any'], wd, ['nesterov', 'bool'], maximize],
    slots: [['momentum_buffer', 'like', null, false]] },
  Adam: { since: 0, step: true, hyper: ADAM, slots: ADAM_SLOTS },
  AdamW: { since: 0, step: true, hyper: ADAM, slots: ADAM_SLOTS },
  RMSprop: { since: 1, step: true, hyper: [lr, ['alpha', 'nonneg'], eps, wd, ['momentum', 'nonneg'], ['centered', 'bool'], maximize],
    slots: [['square_avg', 'like', null, true], ['momentum_buffer', 'like', 'momentum', true], ['grad_avg', 'like', 'centered', true]] },
  Adagrad: { since: 1, step: true, hyper: [lr, ['lr_decay', 'nonneg'], eps, wd, ['initial_accumulator_value', 'nonneg'], maximize],
    slots: [['sum', 'like', null, true]] },
  Adamax: { since: 1, step: true, hyper: [lr, betas, eps, wd, maximize],
    slots: [['exp_avg', 'like', null, true], ['exp_inf', 'like', null, true]] },
  NAdam: { since: 1, step: true, hyper: [lr, betas, eps, wd, ['momentum_decay', 'nonneg'], ['decoupled_weight_decay', 'bool'], maximize],
    slots: [['mu_product', 'scalar', null, true], ...MOMENTS] },
  RAdam: { since: 1, step: true, hyper: [lr, betas, eps, wd, ['decoupled_weight_decay', 'bool'], maximize], slots: MOMENTS },
  Adadelta: { since: 1, step: true, hyper: [lr, ['rho', 'unit'], eps, wd, maximize],
    slots: [['square_avg', 'like', null, true], ['acc_delta', 'like', null, true]] },
  Rprop: { since: 1, step: true, hyper: [lr, ['etas', 'pair'], ['step_sizes', 'pair'], maximize],
    slots: [['prev', 'like', null, true], ['step_size', 'like', null, true]] },
  ASGD: { since: 1, step: true, hyper: [lr, ['lambd', 'nonneg'], ['alpha', 'any'], ['t0', 'nonneg'], wd, maximize],
    slots: [['eta', 'scalar', null, true], ['mu', 'scalar', null, true], ['ax', 'like', null, true]] },
  SparseAdam: { since: 1, step: true, hyper: [lr, betas, eps, maximize], slots: MOMENTS },
  Adafactor: { since: 1, step: true,
    hyper: [lr, ['beta2_decay', 'nonpos'], ['eps', 'eps_pair'], ['d', 'atleast1'], wd, maximize],
    slots: [['row_var', 'row', null, true, 'matrix'], ['col_var', 'col', null, true, 'matrix'],
      ['variance', 'like', null, true, 'vector']] },
  Muon: { since: 1, step: false,
    hyper: [lr, wd, ['momentum', 'nonneg'], ['nesterov', 'bool'], ['ns_coefficients', 'triple'], eps,
      ['ns_steps', 'ns_steps'], ['adjust_lr_fn', 'adjust_lr_fn']],
    slots: [['momentum_buffer', 'like', null, true]] },
  // LBFGS: no per-parameter state; its whole state is the optimizer's `shared` state value (§11.4)
  LBFGS: { since: 1, step: false, shared: true,
    hyper: [lr, ['max_iter', 'count'], ['max_eval', 'count'], ['tolerance_grad', 'nonneg'],
      ['tolerance_change', 'nonneg'], ['history_size', 'count'], ['line_search_fn', 'line_search_fn']],
    slots: [] },
};
/** §11.9: the scheduler types (since 1.1). */
const SCHEDULERS = new Set(['ChainedScheduler', 'ConstantLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts',
  'CyclicLR', 'ExponentialLR', 'LambdaLR', 'LinearLR', 'MultiStepLR', 'MultiplicativeLR', 'OneCycleLR',
  'PolynomialLR', 'ReduceLROnPlateau', 'SequentialLR', 'StepLR']);

/** Whether `type` is a reverse-DNS extension type (§11.2), `modelfmt.` being reserved. */
function isExtensionType(type) {
  const dot = type.lastIndexOf('.');
  return dot > 0 && REVERSE_DNS.test(type.slice(0, dot)) && EXT_NAME.test(type.slice(dot + 1))
    && !type.startsWith('modelfmt.');
}

/** Whether a conditional slot exists for a parameter of this rank under its group's hyperparameters (§11.4). */
function slotApplies(slot, hp, rank) {
  if ((slot[4] === 'matrix' && rank < 2) || (slot[4] === 'vector' && rank >= 2)) return false;
  if (slot[2] === null) return true;
  const v = hp.get(slot[2]);
  return v === true || (isNumber(v) && v.value !== 0);
}

/**
 * @param {Map<string, *>} training
 * @param {Map<string, import('./header').Tensor>} tensors
 * @param {import('./rules').Context} ctx
 */
function validateTraining(training, tensors, ctx) {
  if (!isObject(training)) fail('HEADER_TYPE', '"training" is not an object');
  const known = Math.min(ctx.minor, READER_MINOR);
  const allowed = TRAINING_KEYS_SINCE.filter(([, since]) => since <= known).map(([k]) => k);
  checkKeys(training, allowed, ['epoch', 'step'], ctx, '"training"');
  for (const k of ['epoch', 'step']) {
    const v = training.get(k);
    if (!isInt(v) || v.value < 0) fail('HEADER_TYPE', `training "${k}" is not a non-negative integer-form number`);
  }
  if (training.has('optimizer')) validateOptimizer(training.get('optimizer'), tensors, ctx, known);
  validateResumeState(training, tensors, ctx);
}

/**
 * §11.2-11.4.
 * @param {*} opt
 * @param {Map<string, import('./header').Tensor>} tensors
 * @param {import('./rules').Context} ctx
 * @param {number} known the minor version whose types this file may use
 */
function validateOptimizer(opt, tensors, ctx, known) {
  if (!isObject(opt)) fail('HEADER_TYPE', 'training "optimizer" is not an object');
  checkKeys(opt, known >= 1 ? [...OPTIMIZER_KEYS, 'shared'] : OPTIMIZER_KEYS, OPTIMIZER_KEYS, ctx, 'the optimizer');
  // type (§11.2)
  const type = opt.get('type');
  if (!isString(type)) fail('HEADER_TYPE', 'optimizer "type" is not a string');
  const core = Object.prototype.hasOwnProperty.call(OPTIMIZERS, type) && OPTIMIZERS[type].since <= known;
  const spec = core ? OPTIMIZERS[type] : null;
  // `modelfmt.` is reserved for this specification (§11.2, as for op set domains in §9.3).
  if (!core && !isExtensionType(type)) {
    fail(ctx.unknown('TRAINING_OPTIMIZER'), `optimizer type ${show(type)} is neither a core type nor a reverse-DNS extension type`);
  }
  // groups (§11.3)
  const groups = opt.get('groups');
  if (!Array.isArray(groups)) fail('HEADER_TYPE', 'optimizer "groups" is not an array');
  /** parameter name -> its group's hyperparameters */
  const grouped = new Map();
  groups.forEach((g, i) => {
    const what = `optimizer group ${i}`;
    if (!isObject(g)) fail('HEADER_TYPE', `${what} is not an object`);
    checkKeys(g, GROUP_KEYS, GROUP_KEYS, ctx, what);
    const hp = g.get('hyperparameters');
    if (!isObject(hp)) fail('HEADER_TYPE', `${what}: "hyperparameters" is not an object`);
    const params = g.get('parameters');
    if (!Array.isArray(params)) fail('HEADER_TYPE', `${what}: "parameters" is not an array`);
    if (core) checkHyperparameters(hp, spec.hyper, what);
    // §11.8: each name's JSON type is checked when the name is reached, after the earlier names' rules.
    for (const p of params) {
      if (!isString(p)) fail('HEADER_TYPE', `${what}: a parameter name is not a string`);
      if (grouped.has(p)) fail('TRAINING_PARAMETER', `${what}: parameter ${show(p)} is already in a group`);
      const t = tensors.get(p);
      if (!t) fail('TRAINING_TENSOR_MISSING', `${what}: parameter ${show(p)} is not a tensor`);
      if (t.role !== 'parameter') {
        fail('TRAINING_TENSOR_ROLE', `${what}: tensor ${show(p)} has role ${t.role}, not parameter`);
      }
      grouped.set(p, hp);
    }
  });
  // state (§11.4)
  const state = opt.get('state');
  if (!isObject(state)) fail('HEADER_TYPE', 'optimizer "state" is not an object');
  for (const p of sortedKeys(state)) {
    const entry = state.get(p);
    const what = `optimizer state of ${show(p)}`;
    // §11.8: 1. in a group, before the entry's own structure
    if (!grouped.has(p)) fail('TRAINING_PARAMETER', `${what}: the parameter is in no group`);
    if (core && spec.shared) fail('TRAINING_SLOT', `${what}: ${type} keeps no per-parameter state`);
    if (!isObject(entry)) fail('HEADER_TYPE', `${what} is not an object`);
    checkKeys(entry, STATE_KEYS, ['slots'], ctx, what);
    const param = tensors.get(p);
    // 2. step: its presence for the type, then its value
    if (entry.has('step')) {
      if (core && !spec.step) fail('TRAINING_SLOT', `${what}: "step" must be absent for ${type}`);
      const s = entry.get('step');
      if (!isInt(s) || s.value < 0) fail('HEADER_TYPE', `${what}: "step" is not a non-negative integer-form number`);
    } else if (core && spec.step) {
      fail('TRAINING_SLOT', `${what}: "step" is required for ${type}`);
    }
    const slots = entry.get('slots');
    if (!isObject(slots)) fail('HEADER_TYPE', `${what}: "slots" is not an object`);
    const applicable = core ? spec.slots.filter((slot) => slotApplies(slot, grouped.get(p), param.shape.length)) : [];
    const bySlot = new Map(applicable.map((slot) => [slot[0], slot]));
    // 3. each slot
    for (const s of sortedKeys(slots)) {
      if (core && !bySlot.has(s)) fail('TRAINING_SLOT', `${what}: ${show(s)} is not a slot of ${type}`);
      const tn = slots.get(s);
      if (!isString(tn)) fail('HEADER_TYPE', `${what}: the value of slot ${show(s)} is not a string`);
      const t = tensors.get(tn);
      if (!t) fail('TRAINING_TENSOR_MISSING', `${what}: slot ${show(s)} names the missing tensor ${show(tn)}`);
      if (t.role !== 'optimizer') {
        fail('TRAINING_TENSOR_ROLE', `${what}: slot tensor ${show(tn)} has role ${t.role}, not optimizer`);
      }
      if (core && bySlot.get(s)[1] === 'scalar') {
        if (t.shape.length !== 0 || (t.dtype !== 'float32' && t.dtype !== 'float64')) {
          fail('TRAINING_SLOT', `${what}: scalar slot ${show(s)} is not a float32 or float64 of shape []`);
        }
      } else if (core) {
        // "row" / "col": the parameter's shape with its last / second-to-last dimension 1
        const kind = bySlot.get(s)[1];
        const want = param.shape.map((d, i) => ((kind === 'row' && i === param.shape.length - 1)
          || (kind === 'col' && i === param.shape.length - 2) ? 1 : d));
        if (t.dtype !== param.dtype || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
          fail('TRAINING_SLOT', `${what}: slot ${show(s)} differs in shape or dtype from what the parameter needs`);
        }
      }
    }
    // 4. required slots
    for (const [s, , , required] of applicable) {
      if (required && !slots.has(s)) fail('TRAINING_SLOT', `${what}: the slot "${s}" is missing`);
    }
  }
  // shared (§11.4, since 1.1): optimizer-wide state, a state value whose tensors have role optimizer
  if (opt.has('shared')) {
    if (core && !spec.shared) fail('TRAINING_SLOT', `the optimizer's "shared": ${type} keeps per-parameter state only`);
    const optimizerRef = (name, what) => {
      if (!isString(name)) fail('HEADER_TYPE', `${what} is not a string`);
      const t = tensors.get(name);
      if (!t) fail('TRAINING_TENSOR_MISSING', `${what} names the missing tensor ${show(name)}`);
      if (t.role !== 'optimizer') fail('TRAINING_TENSOR_ROLE', `${what}: tensor ${show(name)} has role ${t.role}, not optimizer`);
      return t;
    };
    validateStateValue(opt.get('shared'), 'the optimizer\'s "shared"', optimizerRef, ctx);
  }
}

/**
 * §11.9: scheduler, scaler, rng, data, extra (each if present, in this order).
 * @param {Map<string, *>} training
 * @param {Map<string, import('./header').Tensor>} tensors
 * @param {import('./rules').Context} ctx
 */
function validateResumeState(training, tensors, ctx) {
  const tensorRef = (name, what) => {
    if (!isString(name)) fail('HEADER_TYPE', `${what} is not a string`);
    const t = tensors.get(name);
    if (!t) fail('TRAINING_TENSOR_MISSING', `${what} names the missing tensor ${show(name)}`);
    if (t.role !== 'other') fail('TRAINING_TENSOR_ROLE', `${what}: tensor ${show(name)} has role ${t.role}, not other`);
    return t;
  };
  const byteState = (name, what) => {
    const t = tensorRef(name, what);
    if (t.dtype !== 'uint8' || t.shape.length !== 1) fail('TRAINING_VALUE', `${what}: not a uint8 tensor of rank 1`);
  };
  const value = (v, what) => validateStateValue(v, what, tensorRef, ctx);
  if (training.has('scheduler')) {
    const sch = training.get('scheduler');
    if (!isObject(sch)) fail('HEADER_TYPE', 'training "scheduler" is not an object');
    checkKeys(sch, ['type', 'state'], ['type', 'state'], ctx, 'the scheduler');
    const type = sch.get('type');
    if (!isString(type)) fail('HEADER_TYPE', 'scheduler "type" is not a string');
    if (!SCHEDULERS.has(type) && !isExtensionType(type)) {
      fail(ctx.unknown('TRAINING_SCHEDULER'), `scheduler type ${show(type)} is neither a core type nor a reverse-DNS extension type`);
    }
    value(sch.get('state'), 'the scheduler state');
  }
  if (training.has('scaler')) value(training.get('scaler'), 'training "scaler"');
  if (training.has('rng')) {
    const rng = training.get('rng');
    if (!isObject(rng)) fail('HEADER_TYPE', 'training "rng" is not an object');
    checkKeys(rng, ['torch', 'numpy', 'python'], [], ctx, 'training "rng"');
    if (rng.has('torch')) byteState(rng.get('torch'), 'rng "torch"');
    for (const k of ['numpy', 'python']) if (rng.has(k)) value(rng.get(k), `rng "${k}"`);
  }
  if (training.has('data')) {
    const data = training.get('data');
    if (!isObject(data)) fail('HEADER_TYPE', 'training "data" is not an object');
    checkKeys(data, ['batch', 'generator'], ['batch'], ctx, 'training "data"');
    const b = data.get('batch');
    if (!isInt(b) || b.value < 0) fail('HEADER_TYPE', 'data "batch" is not a non-negative integer-form number');
    if (data.has('generator')) byteState(data.get('generator'), 'data "generator"');
  }
  if (training.has('extra')) value(training.get('extra'), 'training "extra"');
}

const TAGS = new Set(['none', 'bool', 'int', 'float', 'str', 'list', 'tuple', 'dict', 'tensor']);
const KEY_TAGS = new Set(['none', 'bool', 'int', 'float', 'str']);
const INT_TEXT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** The binary64 a `float` payload denotes, or null when the payload breaks §11.10. */
function floatOf(text) {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  if (text.length > 32 || !FLOAT_TEXT.test(text)) return null;
  const x = Number(text);
  return Number.isFinite(x) ? x : null;
}

/** A dict key's identity: tag and value, a float by its bits (§11.10). */
function keyIdentity(tag, payload) {
  if (tag === 'int') return `int:${BigInt(payload)}`;
  if (tag === 'float') {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(floatOf(payload));
    return `float:${b.toString('hex')}`;
  }
  if (tag === 'str') return `str:${payload}`;
  return `${tag}:${payload}`;
}

/**
 * §11.10: a state value, depth first in document order.
 * @param {*} v
 * @param {string} what
 * @param {(name: *, what: string) => *} tensorRef
 * @param {import('./rules').Context} ctx
 */
function validateStateValue(v, what, tensorRef, ctx) {
  if (!isObject(v) || v.size !== 1) fail('TRAINING_VALUE', `${what}: a state value is an object with exactly one key`);
  const [[tag, payload]] = [...v.entries()];
  if (!TAGS.has(tag)) fail(ctx.unknown('TRAINING_VALUE'), `${what}: unknown tag ${show(tag)}`);
  const bad = () => fail('TRAINING_VALUE', `${what}: the payload of "${tag}" breaks its grammar`);
  switch (tag) {
    case 'none': if (payload !== null) bad(); break;
    case 'bool': if (payload !== true && payload !== false) bad(); break;
    case 'int': if (!isString(payload) || payload.replace(/^-/, '').length > 4300 || !INT_TEXT.test(payload)) bad(); break;
    case 'float': if (!isString(payload) || floatOf(payload) === null) bad(); break;
    case 'str': if (!isString(payload)) bad(); break;
    case 'list': case 'tuple':
      if (!Array.isArray(payload)) bad();
      payload.forEach((item, i) => validateStateValue(item, `${what}[${i}]`, tensorRef, ctx));
      break;
    case 'dict': {
      if (!Array.isArray(payload)) bad();
      const seen = new Set();
      payload.forEach((pair, i) => {
        const at = `${what} entry ${i}`;
        if (!Array.isArray(pair) || pair.length !== 2) fail('TRAINING_VALUE', `${at}: not a [key, value] array`);
        validateStateValue(pair[0], `${at} key`, tensorRef, ctx);
        const [[ktag, kpayload]] = [...pair[0].entries()];
        if (!KEY_TAGS.has(ktag)) fail('TRAINING_VALUE', `${at}: a key of tag "${ktag}"`);
        const id = keyIdentity(ktag, kpayload);
        if (seen.has(id)) fail('TRAINING_VALUE', `${at}: a duplicate key`);
        seen.add(id);
        validateStateValue(pair[1], `${at} value`, tensorRef, ctx);
      });
      break;
    }
    case 'tensor':
      if (!isString(payload)) bad();
      tensorRef(payload, `${what}: "tensor"`);
      break;
    default: throw new Error('internal');
  }
}

/**
 * §11.3 hyperparameters of a core type: unknown keys (canonical order), then the table in order.
 * @param {Map<string, *>} hp
 * @param {Array<[string, string]>} table
 * @param {string} what
 */
function checkHyperparameters(hp, table, what) {
  const names = new Set(table.map(([k]) => k));
  for (const k of sortedKeys(hp)) {
    if (!names.has(k)) fail('TRAINING_HYPERPARAMETER', `${what}: unknown hyperparameter ${show(k)}`);
  }
  for (const [k, kind] of table) {
    if (!hp.has(k)) fail('TRAINING_HYPERPARAMETER', `${what}: hyperparameter "${k}" is missing`);
    const v = hp.get(k);
    let ok;
    switch (kind) {
      case 'nonneg': ok = isNumber(v) && v.value >= 0; break;
      case 'any': ok = isNumber(v); break;
      case 'bool': ok = v === true || v === false; break;
      case 'unit': ok = isNumber(v) && v.value >= 0 && v.value <= 1; break;
      case 'betas': ok = Array.isArray(v) && v.length === 2 && v.every((b) => isNumber(b) && b.value >= 0 && b.value < 1); break;
      case 'pair': ok = Array.isArray(v) && v.length === 2 && v.every((b) => isNumber(b) && b.value >= 0); break;
      case 'nonpos': ok = isNumber(v) && v.value <= 0; break;
      case 'atleast1': ok = isNumber(v) && v.value >= 1; break;
      case 'triple': ok = Array.isArray(v) && v.length === 3 && v.every((b) => isNumber(b)); break;
      case 'ns_steps': ok = isInt(v) && v.value >= 0 && v.value <= 99; break;
      case 'adjust_lr_fn': ok = v === null || v === 'original' || v === 'match_rms_adamw'; break;
      case 'count': ok = isInt(v) && v.value >= 0; break;
      case 'line_search_fn': ok = v === null || v === 'strong_wolfe'; break;
      case 'eps_pair': ok = Array.isArray(v) && v.length === 2 && (v[0] === null || (isNumber(v[0]) && v[0].value >= 0))
        && isNumber(v[1]) && v[1].value >= 0; break;
      default: throw new Error('internal');
    }
    if (!ok) fail('TRAINING_HYPERPARAMETER', `${what}: hyperparameter "${k}" has the wrong type or is out of range`);
  }
}

module.exports = { validateTraining };
