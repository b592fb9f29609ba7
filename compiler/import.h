/* import.h: `seqcc import MODEL.onnx -o DIR [--name NAME]`: a model that
 * PyTorch's torch.onnx.export wrote (nn.Embedding, nn.LSTM, nn.GRU, nn.RNN,
 * nn.Conv1d, nn.MaxPool1d, nn.Linear, nn.Dropout, ReLU/tanh/sigmoid/softmax,
 * the last step or the mean/max over time) as a seqcc spec, DIR/NAME.yaml
 * (its data section to fill in), and its weights in seqcc's (Keras) layout,
 * DIR/NAME.safetensors (a weights file: the model binary's --checkpoint for
 * predict --ids, export and export-onnx, and train --init-weights). The
 * graph is read with protobuf-c on ONNX's own onnx.proto; what seqcc cannot
 * represent is an error naming the node, and nothing is written. */
#ifndef SEQC_IMPORT_H
#define SEQC_IMPORT_H

#include <stddef.h>

/* Returns the exit status: 0, 1 (an I/O error) or 2 (a file seqcc cannot
 * import; reported on stderr). NAME NULL: the file's name without .onnx. */
int import_onnx(const char *path, const char *out_dir, const char *name);

/* BYTES read as import_onnx reads a file, writing nothing (the fuzz target):
 * 0, or 2 after reporting why not. */
int import_onnx_check(const void *bytes, size_t len);

#endif
