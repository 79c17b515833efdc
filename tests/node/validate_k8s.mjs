// Validates Kubernetes objects offline against the Kubernetes OpenAPI schema (kubernetes-models)
// and the Prometheus Operator CRDs' schema (@kubernetes-models/prometheus-operator).
// Input: a JSON array of objects on stdin (a `kubectl kustomize` build). Prints one line per
// object; exits 1 when any object is invalid or of an unknown kind.
import { readFileSync } from "node:fs";

const objects = JSON.parse(readFileSync(0, "utf8"));
let failed = 0;
for (const obj of objects) {
  const name = `${obj.apiVersion} ${obj.kind} ${obj.metadata?.name}`;
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")
                                                          : [null, obj.apiVersion];
  const module = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/${group}/${version}`
    : `kubernetes-models/${group ? `${group}/` : ""}${version}`;
  try {
    const models = await import(module);
    const Model = models[obj.kind];
    if (!Model) throw new Error(`unknown kind in ${module}`);
    new Model(obj).validate();
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`INVALID ${name}: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
