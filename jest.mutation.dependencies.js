import ts from 'typescript';

/**
 * Jest's dependency extractor for the mutation run: what a TypeScript file imports once
 * transpiled as the mutation config transpiles it, so `--findRelatedTests` (which Stryker runs
 * for every mutant) picks only the specs that load the mutated file. Jest's default reads the
 * source and also counts imports that only types use, which the transpiler drops; the specs on
 * fakes import their collaborators' classes that way, and each one Jest loads costs a fresh
 * evaluation of @nestjs/common, TypeORM or ioredis, for tests it then skips.
 */
export function extract(code, filePath, defaultExtract) {
  if (!filePath.endsWith('.ts')) return defaultExtract(code, filePath);
  const { outputText } = ts.transpileModule(code, {
    fileName: filePath,
    compilerOptions: {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: true,
      emitDecoratorMetadata: false,
      verbatimModuleSyntax: false,
    },
  });
  return defaultExtract(outputText, filePath);
}

export const getCacheKey = () => `transpiled-imports-${ts.version}`;
