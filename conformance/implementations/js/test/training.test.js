'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { buildFile, code } = require('./helpers');

const t = (name, shape, role = 'parameter', dtype = 'float32') => ({ name, dtype, shape, role });
const clone = (x) => JSON.parse(JSON.stringify(x));
const tensors = [t('w', [2, 3]), t('b', [2]), t('buf', [2], 'buffer'),
  t('optimizer.w.exp_avg', [2, 3], 'optimizer'), t('optimizer.w.exp_avg_sq', [2, 3], 'optimizer'),
  t('optimizer.w.max_exp_avg_sq', [2, 3], 'optimizer'), t('optimizer.b.m', [2], 'optimizer')];
const ADAM = {
  epoch: 3, step: 1200,
  optimizer: {
    type: 'Adam',
    groups: [{ hyperparameters: { amsgrad: false, betas: [0.9, 0.999], eps: 1e-8, lr: 0.001, maximize: false, weight_decay: 0 },
      parameters: ['w', 'b'] }],
    state: { w: { step: 1200, slots: { exp_avg: 'optimizer.w.exp_avg', exp_avg_sq: 'optimizer.w.exp_avg_sq' } } },
  },
};
const run = (training) => code(buildFile({ tensors, training }));

test('training object (§11.1)', () => {
  assert.strictEqual(run({ epoch: 0, step: 0 }), 'OK');
  assert.strictEqual(run({ epoch: 0 }), 'HEADER_MISSING_KEY');
  assert.strictEqual(run({ epoch: 0, step: 0, x: 1 }), 'HEADER_UNKNOWN_KEY');
  assert.strictEqual(run({ epoch: -1, step: 0 }), 'HEADER_TYPE');
  assert.strictEqual(run({ epoch: 0, step: 1.5 }), 'HEADER_TYPE');
  assert.strictEqual(run(ADAM), 'OK');
  assert.strictEqual(run({ ...ADAM, optimizer: [] }), 'HEADER_TYPE');
});

test('optimizer type and hyperparameters (§11.2, §11.3)', () => {
  const a = clone(ADAM);
  a.optimizer.type = 'adam';
  assert.strictEqual(run(a), 'TRAINING_OPTIMIZER');
  a.optimizer.type = 'com.example.Lion';
  a.optimizer.groups[0].hyperparameters = { anything: [1, 2] };
  assert.strictEqual(run(a), 'OK', 'an extension optimizer');
  a.optimizer.type = 'example.9Lion';
  assert.strictEqual(run(a), 'TRAINING_OPTIMIZER');
  const b = clone(ADAM);
  b.optimizer.groups[0].hyperparameters.momentum = 0.9;
  assert.strictEqual(run(b), 'TRAINING_HYPERPARAMETER');
  const c = clone(ADAM);
  delete c.optimizer.groups[0].hyperparameters.eps;
  assert.strictEqual(run(c), 'TRAINING_HYPERPARAMETER');
  const d = clone(ADAM);
  d.optimizer.groups[0].hyperparameters.betas = [0.9, 1];
  assert.strictEqual(run(d), 'TRAINING_HYPERPARAMETER');
  d.optimizer.groups[0].hyperparameters.betas = [0.9];
  assert.strictEqual(run(d), 'TRAINING_HYPERPARAMETER');
  const e = clone(ADAM);
  e.optimizer.groups[0].hyperparameters.lr = -0.1;
  assert.strictEqual(run(e), 'TRAINING_HYPERPARAMETER');
  e.optimizer.groups[0].hyperparameters.lr = '0.1';
  assert.strictEqual(run(e), 'TRAINING_HYPERPARAMETER');
  const f = clone(ADAM);
  f.optimizer.groups[0].hyperparameters.amsgrad = 0;
  assert.strictEqual(run(f), 'TRAINING_HYPERPARAMETER');
  const sgd = { epoch: 1, step: 1, optimizer: { type: 'SGD', groups: [{ hyperparameters: { lr: 0.1, momentum: 0, dampening: -1,
    weight_decay: 0, nesterov: false, maximize: false }, parameters: ['w'] }], state: {} } };
  assert.strictEqual(run(sgd), 'OK');
});

test('group parameters (§11.3)', () => {
  const a = clone(ADAM);
  a.optimizer.groups[0].parameters = ['w', 'w'];
  assert.strictEqual(run(a), 'TRAINING_PARAMETER');
  a.optimizer.groups[0].parameters = ['w', 'nope'];
  assert.strictEqual(run(a), 'TRAINING_TENSOR_MISSING');
  a.optimizer.groups[0].parameters = ['w', 'buf'];
  assert.strictEqual(run(a), 'TRAINING_TENSOR_ROLE');
  a.optimizer.groups[0].parameters = ['w', 1];
  assert.strictEqual(run(a), 'HEADER_TYPE');
  const b = clone(ADAM);
  b.optimizer.groups.push({ hyperparameters: b.optimizer.groups[0].hyperparameters, parameters: ['b'] });
  assert.strictEqual(run(b), 'TRAINING_PARAMETER', 'in two groups');
});

test('per-parameter state (§11.4)', () => {
  const a = clone(ADAM);
  a.optimizer.groups[0].parameters = ['b'];
  assert.strictEqual(run(a), 'TRAINING_PARAMETER', 'state without a group');
  const b = clone(ADAM);
  delete b.optimizer.state.w.step;
  assert.strictEqual(run(b), 'TRAINING_SLOT');
  const c = clone(ADAM);
  c.optimizer.state.w.slots.momentum_buffer = 'optimizer.w.exp_avg';
  assert.strictEqual(run(c), 'TRAINING_SLOT');
  const d = clone(ADAM);
  d.optimizer.state.w.slots.exp_avg = 'nope';
  assert.strictEqual(run(d), 'TRAINING_TENSOR_MISSING');
  d.optimizer.state.w.slots.exp_avg = 'w';
  assert.strictEqual(run(d), 'TRAINING_TENSOR_ROLE');
  d.optimizer.state.w.slots.exp_avg = 'optimizer.b.m';
  assert.strictEqual(run(d), 'TRAINING_SLOT', 'shape differs');
  const e = clone(ADAM);
  delete e.optimizer.state.w.slots.exp_avg_sq;
  assert.strictEqual(run(e), 'TRAINING_SLOT');
  const f = clone(ADAM);
  f.optimizer.groups[0].hyperparameters.amsgrad = true;
  assert.strictEqual(run(f), 'TRAINING_SLOT', 'max_exp_avg_sq required with amsgrad');
  f.optimizer.state.w.slots.max_exp_avg_sq = 'optimizer.w.max_exp_avg_sq';
  assert.strictEqual(run(f), 'OK');
  const g = clone(ADAM);
  g.optimizer.state.w.extra = 1;
  assert.strictEqual(run(g), 'HEADER_UNKNOWN_KEY');
  const h = clone(ADAM);
  h.optimizer.state.w.step = -1;
  assert.strictEqual(run(h), 'HEADER_TYPE');
});
