"""check.py: ONNX's own checker on a file `NAME export-onnx` wrote.

    python3 check.py MODEL.onnx

Runs onnx.checker.check_model with full_check (shape inference too),
checks the opset (ai.onnx 13 or later) and that every graph output has a
shape, and prints the metadata as one JSON object. Exits 3 when the onnx
package is missing (the test skips), 1 when the file fails.
"""
import json
import sys

try:
    import onnx
except ImportError as e:
    print("python3-onnx is not installed: %s" % e, file=sys.stderr)
    sys.exit(3)


def main():
    model = onnx.load(sys.argv[1])
    onnx.checker.check_model(model, full_check=True)
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets.get("", 0) < 13:
        raise SystemExit("opset %s is below 13" % opsets)
    for out in model.graph.output:
        if not out.type.tensor_type.shape.dim:
            raise SystemExit("output %s has no shape" % out.name)
    meta = {p.key: p.value for p in model.metadata_props}
    meta["inputs"] = [i.name for i in model.graph.input]
    meta["outputs"] = [o.name for o in model.graph.output]
    meta["ops"] = sorted({n.op_type for n in model.graph.node})
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
