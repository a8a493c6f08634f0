// Converts the text format with wabt's lexer/parser and binary writer.
#include "compile/wat.h"

#include <wabt/binary-writer.h>
#include <wabt/color.h>
#include <wabt/error-formatter.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <cstring>

namespace tern::compile {

bool isWasmBinary(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), "\0asm", 4) == 0;
}

Result<std::vector<uint8_t>> watToWasm(std::string_view filename, std::span<const uint8_t> text) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer(filename, text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::Features features;
  wabt::WastParseOptions parse_options(features);
  auto format = [&] {
    wabt::Color no_color(nullptr, false);
    return wabt::FormatErrorsToString(errors, wabt::Location::Type::Text, nullptr, no_color, "",
                                      wabt::PrintHeader::Never, 256);
  };
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options))) {
    return fail(ErrorCode::kMalformed, format());
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, /*canonicalize_lebs=*/true,
                                         /*relocatable=*/false, /*write_debug_names=*/true);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options))) {
    return fail(ErrorCode::kMalformed, "cannot encode module");
  }
  const auto& data = stream.output_buffer().data;
  return std::vector<uint8_t>(data.begin(), data.end());
}

}  // namespace tern::compile
