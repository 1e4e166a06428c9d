// Types of the js_of_ocaml build (indicators.bc.cjs, CommonJS): the export is typed in ./index.ts.
declare const compiled: { readonly indicators: unknown }
export = compiled
