import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

/** `this.logger.warn(…)` and friends: a Nest Logger call on the class's own logger. */
const isLoggerCall = (node) =>
  node.type === 'CallExpression' &&
  node.callee.type === 'MemberExpression' &&
  node.callee.object.type === 'MemberExpression' &&
  node.callee.object.object.type === 'ThisExpression' &&
  node.callee.object.property.type === 'Identifier' &&
  node.callee.object.property.name === 'logger';

/** A statement that only logs: a log call, a block of them, or an `if` choosing which line to log. */
const onlyLogs = (node) => {
  if (!node) return true;
  switch (node.type) {
    case 'ExpressionStatement':
      return isLoggerCall(node.expression);
    case 'BlockStatement':
      return node.body.length > 0 && node.body.every(onlyLogs);
    case 'IfStatement':
      return onlyLogs(node.consequent) && onlyLogs(node.alternate);
    default:
      return false;
  }
};

/**
 * Ignores the mutants of what only writes the log: a log call (its message, the `?.` in it, its
 * removal), a block that only logs, an `if` whose branches only log. No spec reads the log, so
 * they could only survive. Everything else next to a log call (the branch it sits in, the value
 * returned after it) is still mutated.
 */
export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'logger-calls', {
    shouldIgnore(path) {
      return isLoggerCall(path.node) || onlyLogs(path.node) ? 'it only writes the log' : undefined;
    },
  }),
];
