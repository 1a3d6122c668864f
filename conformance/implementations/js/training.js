'use strict';
/**
 * Validation of `training` (SPEC.md §11, phase 3 step 8 of §13.1), in the order of §11.8.
 */

const { fail } = require('./errors');
const { isObject, isInt, isString, isNumber } = require('./json');
const { sortedKeys } = require('./canonical');
const { REVERSE_DNS, show, checkKeys } = require('./rules');

const TRAINING_KEYS = ['epoch', 'step', 'optimizer'];
const OPTIMIZER_KEYS = ['type', 'groups', 'state'];
const GROUP_KEYS = ['hyperparameters', 'parameters'];
const STATE_KEYS = ['step', 'slots'];
const EXT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Hyperparameters of the core optimizer types (§11.3), in table order: [key, kind].
 * kinds: 'nonneg' (number >= 0), 'any' (number), 'bool', 'betas' (2 numbers in [0, 1)).
 */
const HYPER = {
  SGD: [['lr', 'nonneg'], ['momentum', 'nonneg'], ['dampening', 'any'], ['weight_decay', 'nonneg'],
    ['nesterov', 'bool'], ['maximize', 'bool']],
  Adam: [['lr', 'nonneg'], ['betas', 'betas'], ['eps', 'nonneg'], ['weight_decay', 'nonneg'],
    ['amsgrad', 'bool'], ['maximize', 'bool']],
};
HYPER.AdamW = HYPER.Adam;

/**
 * @param {Map<string, *>} training
 * @param {Map<string, import('./header').Tensor>} tensors
 * @param {import('./rules').Context} ctx
 */
function validateTraining(training, tensors, ctx) {
  if (!isObject(training)) fail('HEADER_TYPE', '"training" is not an object');
  checkKeys(training, TRAINING_KEYS, ['epoch', 'step'], ctx, '"training"');
  for (const k of ['epoch', 'step']) {
    const v = training.get(k);
    if (!isInt(v) || v.value < 0) fail('HEADER_TYPE', `training "${k}" is not a non-negative integer-form number`);
  }
  if (!training.has('optimizer')) return;
  const opt = training.get('optimizer');
  if (!isObject(opt)) fail('HEADER_TYPE', 'training "optimizer" is not an object');
  checkKeys(opt, OPTIMIZER_KEYS, OPTIMIZER_KEYS, ctx, 'the optimizer');
  // type (§11.2)
  const type = opt.get('type');
  if (!isString(type)) fail('HEADER_TYPE', 'optimizer "type" is not a string');
  const core = Object.prototype.hasOwnProperty.call(HYPER, type);
  if (!core) {
    const dot = type.lastIndexOf('.');
    // `modelfmt.` is reserved for this specification (§11.2, as for op set domains in §9.3).
    if (!(dot > 0 && REVERSE_DNS.test(type.slice(0, dot)) && EXT_NAME.test(type.slice(dot + 1)))
      || type.startsWith('modelfmt.')) {
      fail('TRAINING_OPTIMIZER', `optimizer type ${show(type)} is neither a core type nor a reverse-DNS extension type`);
    }
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
    if (core) checkHyperparameters(hp, HYPER[type], what);
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
    if (!isObject(entry)) fail('HEADER_TYPE', `${what} is not an object`);
    checkKeys(entry, STATE_KEYS, ['slots'], ctx, what);
    const param = tensors.get(p);
    // 2. step: its presence for the type, then its value
    if (entry.has('step')) {
      if (type === 'SGD') fail('TRAINING_SLOT', `${what}: "step" must be absent for SGD`);
      const s = entry.get('step');
      if (!isInt(s) || s.value < 0) fail('HEADER_TYPE', `${what}: "step" is not a non-negative integer-form number`);
    } else if (type === 'Adam' || type === 'AdamW') {
      fail('TRAINING_SLOT', `${what}: "step" is required for ${type}`);
    }
    const slots = entry.get('slots');
    if (!isObject(slots)) fail('HEADER_TYPE', `${what}: "slots" is not an object`);
    const amsgrad = core && type !== 'SGD' && grouped.get(p).get('amsgrad') === true;
    const allowed = type === 'SGD' ? ['momentum_buffer']
      : amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
    // 3. each slot
    for (const s of sortedKeys(slots)) {
      if (core && !allowed.includes(s)) fail('TRAINING_SLOT', `${what}: ${show(s)} is not a slot of ${type}`);
      const tn = slots.get(s);
      if (!isString(tn)) fail('HEADER_TYPE', `${what}: the value of slot ${show(s)} is not a string`);
      const t = tensors.get(tn);
      if (!t) fail('TRAINING_TENSOR_MISSING', `${what}: slot ${show(s)} names the missing tensor ${show(tn)}`);
      if (t.role !== 'optimizer') {
        fail('TRAINING_TENSOR_ROLE', `${what}: slot tensor ${show(tn)} has role ${t.role}, not optimizer`);
      }
      if (core && (t.dtype !== param.dtype || t.shape.length !== param.shape.length
        || t.shape.some((d, i) => d !== param.shape[i]))) {
        fail('TRAINING_SLOT', `${what}: slot ${show(s)} differs in shape or dtype from the parameter`);
      }
    }
    // 4. required slots
    if (core && type !== 'SGD') {
      for (const s of allowed) if (!slots.has(s)) fail('TRAINING_SLOT', `${what}: the slot "${s}" is missing`);
    }
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
      case 'betas': ok = Array.isArray(v) && v.length === 2 && v.every((b) => isNumber(b) && b.value >= 0 && b.value < 1); break;
      default: throw new Error('internal');
    }
    if (!ok) fail('TRAINING_HYPERPARAMETER', `${what}: hyperparameter "${k}" has the wrong type or is out of range`);
  }
}

module.exports = { validateTraining };
