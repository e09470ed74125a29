// PostgreSQL's C client library (libpq-dev on Debian and Ubuntu), which
// installs its headers under postgresql/.
#include <postgresql/libpq-fe.h>
