// The conformance corpus (tests/conformance) through the C++ wrapper: every case is decoded with
// svipc::decode_message / decode_response into the wrapper's owning types, re-encoded with svipc::encode, and
// compared with the corpus's verdict and bytes (a refusal must carry SVIPC_MALFORMED_MESSAGE and an offset
// inside the payload). So the C++ types lose nothing the C codec keeps: NUL bytes, absent vs empty options.
//
//   conformance_hpp <decode-cases.tsv> <wire-vectors.tsv>
#include <supervisor_ipc.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace
{
int failures = 0;

std::vector<std::string> split_tabs(const std::string& line)
{
    std::vector<std::string> columns;
    std::string::size_type start = 0;
    for (;;)
    {
        std::string::size_type tab = line.find('\t', start);
        columns.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos)
        {
            return columns;
        }
        start = tab + 1;
    }
}

int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

// The corpus's percent-encoding: %XX for bytes outside printable ASCII and for '%'.
std::string unescape(const std::string& column)
{
    std::string bytes;
    for (std::string::size_type i = 0; i < column.size(); i++)
    {
        if (column[i] == '%' && i + 2 < column.size() && hex_digit(column[i + 1]) >= 0 && hex_digit(column[i + 2]) >= 0)
        {
            bytes.push_back(static_cast<char>(hex_digit(column[i + 1]) * 16 + hex_digit(column[i + 2])));
            i += 2;
        }
        else
        {
            bytes.push_back(column[i]);
        }
    }
    return bytes;
}

std::string round_trip(bool is_message, const std::string& payload)
{
    return is_message ? svipc::encode(svipc::decode_message(payload)) : svipc::encode(svipc::decode_response(payload));
}

void run_case(const std::string& direction, const std::string& verdict, const std::string& name,
              const std::string& payload, const std::string& expected)
{
    bool is_message = direction == "message";
    try
    {
        std::string encoded = round_trip(is_message, payload);
        if (verdict != "accept")
        {
            std::fprintf(stderr, "MISMATCH %s: accepted, the corpus says reject\n", name.c_str());
            failures++;
        }
        else if (encoded != expected || round_trip(is_message, encoded) != encoded)
        {
            std::fprintf(stderr, "MISMATCH %s: got %s\n", name.c_str(), encoded.c_str());
            failures++;
        }
    }
    catch (const svipc::error& refused)
    {
        bool well_formed_refusal = refused.status() == SVIPC_MALFORMED_MESSAGE && refused.format().offset <= payload.size() &&
                                   refused.format().kind >= SVIPC_FORMAT_NOT_JSON;
        if (verdict != "reject" || !well_formed_refusal)
        {
            std::fprintf(stderr, "MISMATCH %s: refused (%s)\n", name.c_str(), refused.what());
            failures++;
        }
    }
}

std::vector<std::vector<std::string>> read_rows(const char* path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
    {
        std::fprintf(stderr, "cannot read %s\n", path);
        std::exit(2);
    }
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(file, line))
    {
        if (!line.empty())
        {
            rows.push_back(split_tabs(line));
        }
    }
    return rows;
}
} // namespace

int main(int argc, char** argv)
{
    if (argc != 3)
    {
        std::fprintf(stderr, "usage: %s <decode-cases.tsv> <wire-vectors.tsv>\n", argv[0]);
        return 2;
    }
    std::size_t cases = 0;
    for (const auto& row : read_rows(argv[1]))
    {
        if (row.size() != 5)
        {
            std::fprintf(stderr, "malformed corpus line (%zu columns)\n", row.size());
            return 1;
        }
        run_case(row[0], row[1], row[2], unescape(row[3]), row[1] == "accept" ? unescape(row[4]) : std::string());
        cases++;
    }
    std::size_t vectors = 0;
    for (const auto& row : read_rows(argv[2]))
    {
        run_case(row[0], "accept", row[1], row[2], row[2]);
        run_case(row[0] == "message" ? "response" : "message", "reject", row[1], row[2], std::string());
        vectors++;
    }
    std::printf("conformance_hpp: %zu cases, %zu reference frames, %d mismatches\n", cases, vectors, failures);
    return failures == 0 && cases >= 200 && vectors >= 8 ? 0 : 1;
}
