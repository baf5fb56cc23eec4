// hello: prints one line. The smallest WASI program: fd_write and proc_exit.
#include <stdio.h>

int main(void) {
    printf("hello from wasm-tier's WASI test programs\n");
    return 0;
}
