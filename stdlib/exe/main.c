/* The main() of every executable b2mc builds (the "architecture file"): the
 * compiled pipeline provides its IR, its source texts (for error locations)
 * and its kernel table; libb2m_exe does the rest (command line, inputs,
 * kernels, progress, outputs). */
#include <stdint.h>

struct b2m_kernel_entry {
  const char* name;
  void* fn;
};

extern const char b2m_pipeline_ir[];
extern const char b2m_pipeline_sources[];
extern const struct b2m_kernel_entry b2m_kernel_table[];
extern const int64_t b2m_kernel_count;

int b2m_exe_main(int argc, char** argv, const char* ir, const char* sources, const struct b2m_kernel_entry* kernels,
                 int64_t count);

int main(int argc, char** argv) {
  return b2m_exe_main(argc, argv, b2m_pipeline_ir, b2m_pipeline_sources, b2m_kernel_table, b2m_kernel_count);
}
