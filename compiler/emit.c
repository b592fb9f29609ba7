/* emit.c: a spec's four files: plans the arenas (plan.c), then writes
 * NAME.c (emit_passes.c), NAME.h and NAME_main.c (emit_api.c) and
 * NAME_info.c (emit_info.c, emit_api.c). */
#include "emit.h"

#include <stdio.h>
#include <string.h>

int emit_model(const spec *s, const char *spec_sha256, out_file files[EMIT_FILES])
{
    plan pl;
    plan_model(&pl, s);
    memset(files, 0, EMIT_FILES * sizeof *files);
    snprintf(files[1].name, sizeof files[1].name, "%s.c", s->name);
    if (pl.too_big || emit_passes(&files[1].text, &pl, spec_sha256) != 0) {
        seq_buf_free(&files[1].text);
        plan_free(&pl);
        return -1;
    }
    snprintf(files[0].name, sizeof files[0].name, "%s.h", s->name);
    emit_header(&files[0].text, &pl, spec_sha256);
    snprintf(files[2].name, sizeof files[2].name, "%s_info.c", s->name);
    emit_info(&files[2].text, &pl, spec_sha256);
    emit_api(&files[2].text, s);
    snprintf(files[3].name, sizeof files[3].name, "%s_main.c", s->name);
    emit_main(&files[3].text, s, spec_sha256);
    plan_free(&pl);
    return 0;
}
