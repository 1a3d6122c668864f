'use strict';
/**
 * Validation of `architecture` (SPEC.md §9, phase 3 step 7 of §13.1), in the order of §9.10, with the
 * op set of ops.js.
 */

const { fail } = require('./errors');
const { isObject, isInt, isString, JNumber } = require('./json');
const { sortedKeys } = require('./canonical');
const { isDtype, T } = require('./dtypes');
const { REVERSE_DNS, nameDefect, show, checkKeys, zeroSizeExtentDefect } = require('./rules');
const { OPS, REQUIRED, ABSENT } = require('./ops');

const CORE = 'modelfmt.core';
const CORE_VERSION = 2; // the highest modelfmt.core version this reader implements
const MAX_NODES = 262144;
const MAX_VALUES = 4096; // graph inputs, graph outputs, node inputs, node outputs, ints items
const MAX_RANK = 16;
const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXT_OP_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

const ARCH_KEYS = ['opset', 'inputs', 'outputs', 'nodes'];
const DECL_KEYS = ['name', 'dtype', 'shape'];
const NODE_KEYS = ['name', 'op', 'inputs', 'outputs', 'attributes', 'parameters'];
const NODE_REQUIRED = ['name', 'op', 'inputs', 'outputs'];

/**
 * @typedef {{dtype: string, shape: Array<number|string|null>}} ValueType
 * @typedef {import('./header').Tensor} Tensor
 */

/**
 * Validate the architecture object.
 * @param {Map<string, *>} arch
 * @param {Map<string, Tensor>} tensors the tensor table by name
 * @param {import('./rules').Context} ctx
 */
function validateArchitecture(arch, tensors, ctx) {
  // 1. object, keys, opset, array types
  if (!isObject(arch)) fail('HEADER_TYPE', '"architecture" is not an object');
  checkKeys(arch, ARCH_KEYS, ARCH_KEYS, ctx, '"architecture"');
  const { domains: extDomains, core: coreVersion } = checkOpset(arch.get('opset'), ctx);
  for (const k of ['inputs', 'outputs', 'nodes']) {
    if (!Array.isArray(arch.get(k))) fail('HEADER_TYPE', `architecture "${k}" is not an array`);
  }
  const inputs = arch.get('inputs');
  const outputs = arch.get('outputs');
  const nodes = arch.get('nodes');
  // 2. counts, then a non-empty outputs array
  if (nodes.length > MAX_NODES) fail('GRAPH_LIMIT', `the graph has ${nodes.length} nodes (limit ${MAX_NODES})`);
  if (inputs.length > MAX_VALUES) fail('GRAPH_LIMIT', `the graph has ${inputs.length} inputs (limit ${MAX_VALUES})`);
  if (outputs.length > MAX_VALUES) fail('GRAPH_LIMIT', `the graph has ${outputs.length} outputs (limit ${MAX_VALUES})`);
  if (outputs.length === 0) fail('HEADER_TYPE', 'architecture "outputs" is empty');

  /** @type {Map<string, ValueType|null>} defined values and their inferred types (null: unknown) */
  const values = new Map();
  /** symbols bound by the graph inputs */
  const bound = new Set();
  // 3. graph inputs
  inputs.forEach((d, i) => {
    const decl = checkDeclaration(d, `graph input ${i}`, ctx);
    if (values.has(decl.name)) fail('GRAPH_VALUE_DUPLICATE', `graph input ${show(decl.name)} is declared twice`);
    values.set(decl.name, { dtype: decl.dtype, shape: decl.shape });
    for (const s of decl.shape) if (typeof s === 'string') bound.add(s);
  });
  // 4. nodes
  const nodeNames = new Set();
  nodes.forEach((n, i) => checkNode(n, i, { values, nodeNames, tensors, extDomains, coreVersion, ctx }));
  // 5. graph outputs
  const listed = new Set();
  outputs.forEach((d, i) => {
    const decl = checkDeclaration(d, `graph output ${i}`, ctx);
    const what = `graph output ${show(decl.name)}`;
    if (!values.has(decl.name)) fail('GRAPH_OUTPUT_UNKNOWN', `${what} is not a defined value`);
    if (listed.has(decl.name)) fail('GRAPH_OUTPUT_DUPLICATE', `${what} is listed twice`);
    listed.add(decl.name);
    const inferred = values.get(decl.name);
    if (inferred === null) return; // unknown dtype and rank
    if (inferred.dtype !== decl.dtype) {
      fail('GRAPH_DTYPE', `${what} is declared ${decl.dtype} but its inferred dtype is ${inferred.dtype}`);
    }
    if (!outputShapeAgrees(decl.shape, inferred.shape, bound)) {
      fail('GRAPH_SHAPE', `${what} is declared [${decl.shape}] but its inferred shape is `
        + `[${inferred.shape.map((x) => (x === null ? '?' : x))}]`);
    }
  });
}

/**
 * §9.3: the opset object. Returns the declared extension domains and the declared modelfmt.core version.
 * @param {*} opset
 * @param {import('./rules').Context} ctx
 * @returns {{domains: Set<string>, core: number}}
 */
function checkOpset(opset, ctx) {
  if (!isObject(opset)) fail('HEADER_TYPE', 'architecture "opset" is not an object');
  if (!opset.has(CORE)) fail('GRAPH_OPSET', `"opset" lacks "${CORE}"`);
  const domains = new Set();
  let core = 1;
  for (const k of sortedKeys(opset)) {
    const v = opset.get(k);
    if (k === CORE) {
      if (!isInt(v)) fail('HEADER_TYPE', `the "${CORE}" version is not an integer-form number`);
      if (v.value < 1) fail('GRAPH_OPSET', `the "${CORE}" version ${v.value} is below 1`);
      if (v.value > CORE_VERSION) {
        // §9.3, §15.4: op sets are versioned by `opset` alone, whatever the file's minor version.
        fail('GRAPH_OPSET_VERSION', `"${CORE}" version ${v.value} is not implemented `
          + `(this reader implements version ${CORE_VERSION})`);
      }
      core = v.value;
      continue;
    }
    if (!REVERSE_DNS.test(k) || k.startsWith('modelfmt.')) {
      fail('GRAPH_OPSET', `the op set domain ${show(k)} is not a reverse-DNS name outside "modelfmt."`);
    }
    // §9.3: the same rule as for modelfmt.core.
    if (!isInt(v)) fail('HEADER_TYPE', `the version of op set ${show(k)} is not an integer-form number`);
    if (v.value < 1) fail('GRAPH_OPSET', `the version of op set ${show(k)} is below 1`);
    domains.add(k);
  }
  return { domains, core };
}

/**
 * §9.5: a value declaration (graph input or output).
 * @param {*} d
 * @param {string} what
 * @param {import('./rules').Context} ctx
 * @returns {{name: string, dtype: string, shape: Array<number|string>}}
 */
function checkDeclaration(d, what, ctx) {
  if (!isObject(d)) fail('HEADER_TYPE', `${what} is not an object`);
  checkKeys(d, DECL_KEYS, DECL_KEYS, ctx, what);
  const name = d.get('name');
  if (!isString(name)) fail('HEADER_TYPE', `${what}: "name" is not a string`);
  const defect = nameDefect(name);
  if (defect) fail('GRAPH_NAME', `${what}: the name ${defect}`);
  const dtype = d.get('dtype');
  if (!isString(dtype)) fail('HEADER_TYPE', `${what}: "dtype" is not a string`);
  if (!isDtype(dtype, ctx.minor)) fail(ctx.unknown('DTYPE_UNKNOWN'), `${what}: unknown dtype ${show(dtype)}`);
  const shape = d.get('shape');
  if (!Array.isArray(shape)) fail('HEADER_TYPE', `${what}: "shape" is not an array`);
  if (shape.length > MAX_RANK) fail('SHAPE_INVALID', `${what}: rank ${shape.length} exceeds ${MAX_RANK}`);
  const dims = shape.map((x) => {
    if (isInt(x)) {
      if (x.value < 0) fail('SHAPE_INVALID', `${what}: negative dimension ${x.value}`);
      return x.value;
    }
    if (isString(x)) {
      if (!SYMBOL.test(x) || x.length > 64) fail('GRAPH_NAME', `${what}: ${show(x)} is not a symbolic dimension`);
      return x;
    }
    return fail('HEADER_TYPE', `${what}: a dimension is neither an integer-form number nor a string`);
  });
  const extentDefect = zeroSizeExtentDefect(dims.filter((d) => typeof d === 'number'));
  if (extentDefect) fail('SHAPE_INVALID', `${what}: ${extentDefect}`);
  return { name, dtype, shape: dims };
}

/**
 * §9.5: does a declared output shape agree with the inferred one?
 * @param {Array<number|string>} declared
 * @param {Array<number|string|null>} inferred
 * @param {Set<string>} bound symbols bound by the graph inputs
 */
function outputShapeAgrees(declared, inferred, bound) {
  if (declared.length !== inferred.length) return false;
  for (let i = 0; i < declared.length; i++) {
    const di = inferred[i];
    const dd = declared[i];
    if (di === null) continue; // unknown: checked at run time
    if (typeof dd === 'number') {
      if (dd !== di) return false;
    } else if ((bound.has(dd) || typeof di === 'string') && dd !== di) {
      return false;
    }
  }
  return true;
}

/**
 * A node's `inputs` or `outputs` array (§9.10 step 4.4).
 * @returns {Array<string|null>}
 */
function checkValueList(list, what) {
  if (!Array.isArray(list)) fail('HEADER_TYPE', `${what} is not an array`);
  if (list.length > MAX_VALUES) fail('GRAPH_LIMIT', `${what} has ${list.length} entries (limit ${MAX_VALUES})`);
  for (const v of list) {
    if (v === null) continue;
    if (!isString(v)) fail('HEADER_TYPE', `${what} has an entry that is neither a string nor null`);
    const defect = nameDefect(v);
    if (defect) fail('GRAPH_NAME', `${what}: a value name ${defect}`);
  }
  return list;
}

/**
 * One node, in the order of §9.10 step 4.
 * @param {*} n
 * @param {number} index
 * @param {{values: Map<string, ValueType|null>, nodeNames: Set<string>, tensors: Map<string, Tensor>,
 *   extDomains: Set<string>, coreVersion: number, ctx: import('./rules').Context}} g
 */
function checkNode(n, index, g) {
  const { values, nodeNames, tensors, extDomains, coreVersion, ctx } = g;
  // 4.1 object and keys
  if (!isObject(n)) fail('HEADER_TYPE', `node ${index} is not an object`);
  checkKeys(n, NODE_KEYS, NODE_REQUIRED, ctx, `node ${index}`);
  // 4.2 name
  const name = n.get('name');
  if (!isString(name)) fail('HEADER_TYPE', `node ${index}: "name" is not a string`);
  const defect = nameDefect(name);
  if (defect) fail('GRAPH_NAME', `node ${index}: the name ${defect}`);
  if (nodeNames.has(name)) fail('GRAPH_NODE_DUPLICATE', `node ${show(name)} is the second node of that name`);
  nodeNames.add(name);
  const where = `node ${show(name)}`;
  // 4.3 op
  const opName = n.get('op');
  if (!isString(opName)) fail('HEADER_TYPE', `${where}: "op" is not a string`);
  // §9.3: an op exists for the graph only from the modelfmt.core version that introduced it.
  const known = OPS.get(opName);
  const def = known && known.since <= coreVersion ? known : undefined;
  let extension = false;
  if (!def) {
    const dot = opName.lastIndexOf('.');
    if (dot > 0 && extDomains.has(opName.slice(0, dot)) && EXT_OP_NAME.test(opName.slice(dot + 1))) {
      extension = true;
    } else {
      fail('GRAPH_OP_UNKNOWN', `${where}: unknown op ${show(opName)}`);
    }
  }
  // 4.4 inputs, outputs, attributes, parameters
  const ins = checkValueList(n.get('inputs'), `${where}: "inputs"`);
  const outs = checkValueList(n.get('outputs'), `${where}: "outputs"`);
  const attributes = n.has('attributes') ? n.get('attributes') : new Map();
  if (!isObject(attributes)) fail('HEADER_TYPE', `${where}: "attributes" is not an object`);
  const parameters = n.has('parameters') ? n.get('parameters') : new Map();
  if (!isObject(parameters)) fail('HEADER_TYPE', `${where}: "parameters" is not an object`);
  for (const v of parameters.values()) {
    if (!isString(v)) fail('HEADER_TYPE', `${where}: a "parameters" value is not a string`);
  }
  const paramKeys = sortedKeys(parameters);

  // 4.5 extension node
  if (extension) {
    for (const k of paramKeys) {
      if (!tensors.has(parameters.get(k))) {
        fail('GRAPH_TENSOR_MISSING', `${where}: parameter ${show(k)} names the missing tensor ${show(parameters.get(k))}`);
      }
    }
    for (const v of ins) {
      if (v !== null && !values.has(v)) fail('GRAPH_VALUE_UNDEFINED', `${where}: input ${show(v)} is not defined`);
    }
    for (const v of outs) {
      if (v === null) continue;
      if (values.has(v)) fail('GRAPH_VALUE_DUPLICATE', `${where}: output ${show(v)} is already defined`);
      values.set(v, null);
    }
    return;
  }

  // 4.6 arity: inputs, then outputs
  checkArity(ins, def.inputs, `${where}: inputs`);
  if (def.arity) {
    const msg = def.arity({ inputs: ins, outputs: outs });
    if (msg) fail('GRAPH_ARITY', `${where}: ${msg}`);
  }
  checkArity(outs, def.outputs, `${where}: outputs`);

  // 4.7 attributes
  const attrs = checkAttributes(attributes, def, where);
  if (def.postAttributes) {
    const msg = def.postAttributes(attrs, { inputs: ins, outputs: outs });
    if (msg) fail('GRAPH_ARITY', `${where}: ${msg}`);
  }

  // 4.8 inputs defined
  for (const v of ins) {
    if (v !== null && !values.has(v)) fail('GRAPH_VALUE_UNDEFINED', `${where}: input ${show(v)} is not defined`);
  }

  // 4.9 bindings (§9.8)
  const firstIn = ins.length > 0 && ins[0] !== null ? values.get(ins[0]) : null;
  const boundTensors = checkBindings(parameters, paramKeys, def.slots(attrs), tensors, firstIn, where);

  // 4.10 type inference
  const inTypes = ins.map((v) => (v === null ? undefined : values.get(v)));
  let outTypes = null;
  if (inTypes.every((t) => t !== null)) {
    const err = (code) => (msg) => fail(code, `${where} (${opName}): ${msg}`);
    outTypes = def.infer({
      ins: inTypes, attrs, bound: boundTensors, outCount: outs.length,
      dtypeErr: err('GRAPH_DTYPE'), shapeErr: err('GRAPH_SHAPE'), attrErr: err('GRAPH_ATTRIBUTE_VALUE'),
      arityErr: err('GRAPH_ARITY'),
    });
  }

  // 4.11 outputs defined once
  outs.forEach((v, i) => {
    if (v === null) return;
    if (values.has(v)) fail('GRAPH_VALUE_DUPLICATE', `${where}: output ${show(v)} is already defined`);
    values.set(v, outTypes && outTypes[i] ? outTypes[i] : null);
  });
}

/**
 * §9.6 arity of a core node's inputs or outputs against the op's ports.
 * @param {Array<string|null>} list
 * @param {Array<{name: string, opt: boolean, variadic: boolean}>} ports
 * @param {string} what
 */
function checkArity(list, ports, what) {
  const variadic = ports.length > 0 && ports[ports.length - 1].variadic;
  if (variadic) {
    const fixed = ports.length - 1;
    if (list.length < fixed + 1) fail('GRAPH_ARITY', `${what}: ${list.length} given, at least ${fixed + 1} expected`);
  } else {
    if (list.length > ports.length) fail('GRAPH_ARITY', `${what}: ${list.length} given, at most ${ports.length} expected`);
    let needed = 0;
    ports.forEach((p, i) => { if (!p.opt) needed = i + 1; });
    if (list.length < needed) fail('GRAPH_ARITY', `${what}: ${list.length} given, at least ${needed} expected`);
  }
  list.forEach((v, i) => {
    const p = ports[Math.min(i, ports.length - 1)];
    if (v === null && !p.opt) fail('GRAPH_ARITY', `${what}: the required port ${p.name} is null`);
  });
}

/**
 * §9.7: a core node's attributes. Returns the attribute values with defaults applied.
 * @param {Map<string, *>} given
 * @param {object} def the op
 * @param {string} where
 * @returns {Object<string, *>}
 */
function checkAttributes(given, def, where) {
  const specs = new Map(def.attributes.map((a) => [a.name, a]));
  const keys = sortedKeys(given);
  for (const k of keys) {
    if (!specs.has(k)) fail('GRAPH_ATTRIBUTE_UNKNOWN', `${where}: ${def.name} has no attribute ${show(k)}`);
  }
  /** @type {Object<string, *>} */
  const attrs = Object.create(null);
  for (const k of keys) {
    const spec = specs.get(k);
    const v = convertAttribute(given.get(k), spec.type, `${where}: attribute "${k}"`);
    if (spec.range) {
      const msg = spec.range(v);
      if (msg) fail('GRAPH_ATTRIBUTE_VALUE', `${where}: attribute "${k}" ${msg}`);
    }
    attrs[k] = v;
  }
  for (const spec of def.attributes) {
    if (spec.def === REQUIRED && !given.has(spec.name)) {
      fail('GRAPH_ATTRIBUTE_MISSING', `${where}: the required attribute "${spec.name}" is absent`);
    }
  }
  for (const spec of def.attributes) {
    if (given.has(spec.name) || spec.def === ABSENT) continue;
    if (spec.def && spec.def.ref) continue;
    attrs[spec.name] = Array.isArray(spec.def) ? spec.def.slice() : spec.def;
  }
  for (const spec of def.attributes) {
    if (!given.has(spec.name) && spec.def && spec.def.ref) {
      const v = attrs[spec.def.ref];
      attrs[spec.name] = Array.isArray(v) ? v.slice() : v;
    }
  }
  if (def.cross) {
    const msg = def.cross(attrs);
    if (msg) fail('GRAPH_ATTRIBUTE_VALUE', `${where}: ${msg}`);
  }
  return attrs;
}

/**
 * Type-check and convert one attribute value (§9.7 type table).
 * @param {*} v
 * @param {string} type
 * @param {string} what
 */
function convertAttribute(v, type, what) {
  const bad = (expected) => fail('GRAPH_ATTRIBUTE_TYPE', `${what} is not ${expected}`);
  switch (type) {
    case 'int': return isInt(v) ? v.value : bad('an integer-form number');
    case 'float': return v instanceof JNumber ? v.value : bad('a number');
    case 'number': return v instanceof JNumber ? v : bad('a number');
    case 'bool': return v === true || v === false ? v : bad('true or false');
    case 'string': return isString(v) ? v : bad('a string');
    case 'ints': {
      if (!Array.isArray(v)) return bad('an array of integer-form numbers');
      if (v.length > MAX_VALUES) fail('GRAPH_LIMIT', `${what} has ${v.length} items (limit ${MAX_VALUES})`);
      if (!v.every(isInt)) return bad('an array of integer-form numbers');
      return v.map((x) => x.value);
    }
    default: throw new Error(`internal: unknown attribute type ${type}`);
  }
}

/**
 * §9.8: parameter bindings of a core node, in the order of its five steps.
 * @param {Map<string, string>} parameters
 * @param {string[]} keys the parameter keys in canonical order
 * @param {Array<{name: string, shape: number[]|null, dtype: string, required: boolean, group?: string}>} slots
 * @param {Map<string, Tensor>} tensors
 * @param {ValueType|null|undefined} firstIn the type of the node's first input
 * @param {string} where
 * @returns {Map<string, Tensor>} bound tensors by slot
 */
function checkBindings(parameters, keys, slots, tensors, firstIn, where) {
  const bySlot = new Map(slots.map((s) => [s.name, s]));
  for (const k of keys) {
    if (!bySlot.has(k)) fail('GRAPH_PARAMETER_UNKNOWN', `${where}: the op has no parameter slot ${show(k)}`);
  }
  for (const k of keys) {
    if (!tensors.has(parameters.get(k))) {
      fail('GRAPH_TENSOR_MISSING', `${where}: slot ${show(k)} names the missing tensor ${show(parameters.get(k))}`);
    }
  }
  for (const s of slots) {
    if (s.required && !parameters.has(s.name)) fail('GRAPH_PARAMETER_MISSING', `${where}: slot "${s.name}" is not bound`);
  }
  const groups = new Map();
  for (const s of slots) {
    if (!s.group) continue;
    if (!groups.has(s.group)) groups.set(s.group, []);
    groups.get(s.group).push(s.name);
  }
  for (const members of groups.values()) {
    const n = members.filter((m) => parameters.has(m)).length;
    if (n > 0 && n < members.length) {
      fail('GRAPH_PARAMETER_MISSING', `${where}: slots ${members.join(', ')} must be bound together`);
    }
  }
  const bound = new Map(keys.map((k) => [k, tensors.get(parameters.get(k))]));
  for (const k of keys) {
    const s = bySlot.get(k);
    const t = bound.get(k);
    if (s.shape !== null && (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]))) {
      fail('GRAPH_PARAMETER_SHAPE', `${where}: slot "${k}" needs shape [${s.shape}], tensor ${show(t.name)} has [${t.shape}]`);
    }
  }
  const firstFloat = firstIn && T.has(firstIn.dtype) ? firstIn.dtype : null;
  let tDtype = null;
  for (const k of keys) {
    const s = bySlot.get(k);
    const t = bound.get(k);
    if (s.dtype === 'any') continue;
    if (!T.has(t.dtype)) fail('GRAPH_PARAMETER_DTYPE', `${where}: slot "${k}" needs a floating dtype, tensor has ${t.dtype}`);
    if (s.dtype === 'T' && firstFloat !== null && t.dtype !== firstFloat) {
      fail('GRAPH_PARAMETER_DTYPE', `${where}: slot "${k}" needs dtype ${firstFloat} (the input's), tensor has ${t.dtype}`);
    }
  }
  for (const k of keys) {
    const s = bySlot.get(k);
    if (s.dtype !== 'T') continue;
    const d = bound.get(k).dtype;
    if (tDtype === null) tDtype = d;
    else if (d !== tDtype) fail('GRAPH_PARAMETER_DTYPE', `${where}: the T slots have different dtypes (${tDtype}, ${d})`);
  }
  return bound;
}

module.exports = { validateArchitecture };
