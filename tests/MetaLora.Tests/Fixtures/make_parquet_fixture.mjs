// Writes hf_train.parquet, a Hugging Face datasets style split (columns id, input, output: list<string>)
// made by an independent Parquet writer (arrow-rs, through the parquet-wasm npm package), for ParquetTests.
//
// Run from this folder:  npm install parquet-wasm@0.8.0 apache-arrow@21.2.0 && node make_parquet_fixture.mjs
import { writeFileSync } from "node:fs";
import { Field, List, Utf8, makeBuilder, makeTable, tableToIPC } from "apache-arrow";
import { Compression, Table, WriterPropertiesBuilder, WriterVersion, writeParquet } from "parquet-wasm/node";

const rows = [
  { id: "hf-0", input: "Capital of France? ", output: ["Paris", "paris"] },
  { id: null, input: "2+2=", output: ["4"] },
  { id: "hf-2", input: "Ünïcode ✓ ", output: ["ok"] },
];

function column(type, values) {
  const builder = makeBuilder({ type, nullValues: [null] });
  for (const v of values) builder.append(v);
  return builder.finish().toVector();
}

const table = makeTable({
  id: column(new Utf8(), rows.map(r => r.id)),
  input: column(new Utf8(), rows.map(r => r.input)),
  output: column(new List(new Field("item", new Utf8(), true)), rows.map(r => r.output)),
});

// Snappy and data page v1 are what pyarrow writes by default.
const props = new WriterPropertiesBuilder()
  .setCompression(Compression.SNAPPY)
  .setWriterVersion(WriterVersion.V1)
  .build();
writeFileSync("hf_train.parquet", writeParquet(Table.fromIPCStream(tableToIPC(table, "stream")), props));
