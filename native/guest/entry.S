/*
 * PVH entry: the loader (QEMU's PVH option ROM, kickvmm, Firecracker, ...)
 * starts us in 32-bit flat protected mode, paging off, EBX = hvm_start_info.
 * We zero .bss, build identity page tables for 0-4 GiB with 2 MiB pages,
 * switch to long mode with our own GDT and call probe_main(start_info).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define MSR_EFER 0xC0000080
#define EFER_LME 0x100
#define CR4_PAE 0x20
#define CR0_PG 0x80000000
#define PTE_P_RW 0x3
#define PDE_LARGE 0x83          /* present, writable, 2 MiB page */
#define PDE_UNCACHED 0x18       /* PWT|PCD: the 3-4 GiB MMIO window */
#define SEL_CODE64 0x08
#define SEL_DATA 0x10

/* The PVH ELF note, in its own PT_NOTE segment (see probe.ld). */
        .section .note.Xen, "a"
        .balign 4
        .long 4                         /* namesz: "Xen\0" */
        .long 4                         /* descsz: 32-bit entry address */
        .long XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .balign 4
        .long pvh_entry

        .section .text.boot32, "ax"
        .code32
        .globl pvh_entry
pvh_entry:
        cli
        cld
        /* EBX holds the start_info address until we hand it to C; nothing below touches it. */
        lgdt gdt_ptr
        mov $SEL_DATA, %eax
        mov %eax, %ds
        mov %eax, %es
        mov %eax, %ss
        mov %eax, %fs
        mov %eax, %gs

        /* Zero .bss (the loader may not have), which also clears the page tables. */
        mov $__bss_start, %edi
        mov $__bss_end, %ecx
        sub %edi, %ecx
        xor %eax, %eax
        rep stosb
        mov $stack_top, %esp

        /* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3. */
        mov $pdpt, %eax
        or $PTE_P_RW, %eax
        mov %eax, pml4
        mov $pd, %eax
        or $PTE_P_RW, %eax
        xor %edi, %edi
1:      mov %eax, pdpt(,%edi,8)
        add $4096, %eax
        inc %edi
        cmp $4, %edi
        jne 1b

        /* 2048 PDEs of 2 MiB: identity 0-4 GiB; 3-4 GiB (PCI MMIO) uncached. */
        mov $pd, %edi
        mov $PDE_LARGE, %eax
        mov $2048, %ecx
2:      cmp $0xC0000000, %eax
        jb 3f
        or $PDE_UNCACHED, %eax
3:      mov %eax, (%edi)
        movl $0, 4(%edi)
        and $~PDE_UNCACHED, %eax
        add $0x200000, %eax
        add $8, %edi
        dec %ecx
        jnz 2b

        mov %cr4, %eax
        or $CR4_PAE, %eax
        mov %eax, %cr4
        mov $pml4, %eax
        mov %eax, %cr3
        mov $MSR_EFER, %ecx
        rdmsr
        or $EFER_LME, %eax
        wrmsr
        mov %cr0, %eax
        or $CR0_PG, %eax
        mov %eax, %cr0
        ljmp $SEL_CODE64, $long_mode

        .text
        .code64
long_mode:
        mov $SEL_DATA, %eax
        mov %eax, %ds
        mov %eax, %es
        mov %eax, %ss
        mov %eax, %fs
        mov %eax, %gs
        mov $stack_top, %rsp
        mov %ebx, %edi                  /* zero-extends: hvm_start_info physical address */
        call probe_main
4:      cli
        hlt
        jmp 4b

/*
 * void doorbell_loop(uint16_t port, uint16_t value, uint32_t count)
 * The notification alone: `count` 16-bit writes of `value` to `port`.
 */
        .globl doorbell_loop
doorbell_loop:
        mov %edx, %ecx
        test %ecx, %ecx
        jz 2f
        mov %edi, %edx
        mov %esi, %eax
1:      out %ax, %dx
        dec %ecx
        jnz 1b
2:      ret

/*
 * Exception stubs 0-31: push a uniform frame (vector, error code) and let C
 * print it. There is no recovery; the probe reports and ends the VM.
 */
        .macro trap_stub vec, has_error
        .balign 16
trap_\vec:
        .if \has_error == 0
        push $0
        .endif
        push $\vec
        jmp trap_common
        .endm

trap_common:
        mov (%rsp), %rdi                /* vector */
        mov 8(%rsp), %rsi               /* error code */
        mov 16(%rsp), %rdx              /* faulting RIP */
        and $~15, %rsp
        call trap_report                /* does not return */
5:      cli
        hlt
        jmp 5b

        trap_stub 0, 0
        trap_stub 1, 0
        trap_stub 2, 0
        trap_stub 3, 0
        trap_stub 4, 0
        trap_stub 5, 0
        trap_stub 6, 0
        trap_stub 7, 0
        trap_stub 8, 1
        trap_stub 9, 0
        trap_stub 10, 1
        trap_stub 11, 1
        trap_stub 12, 1
        trap_stub 13, 1
        trap_stub 14, 1
        trap_stub 15, 0
        trap_stub 16, 0
        trap_stub 17, 1
        trap_stub 18, 0
        trap_stub 19, 0
        trap_stub 20, 0
        trap_stub 21, 1
        trap_stub 22, 0
        trap_stub 23, 0
        trap_stub 24, 0
        trap_stub 25, 0
        trap_stub 26, 0
        trap_stub 27, 0
        trap_stub 28, 0
        trap_stub 29, 1
        trap_stub 30, 1
        trap_stub 31, 0

        .section .rodata
        .balign 8
        .globl trap_stubs
trap_stubs:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad trap_\v
        .endr

        .balign 8
gdt:
        .quad 0                         /* null */
        .quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code */
        .quad 0x00CF92000000FFFF        /* 0x10: flat data */
gdt_end:
gdt_ptr:
        .word gdt_end - gdt - 1
        .quad gdt                       /* lgdt in 32-bit mode reads only the low 4 bytes */

        .section .bss.pagetables, "aw", @nobits
        .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4 * 4096

        .section .bss.stack, "aw", @nobits
        .balign 16
        .skip 65536
stack_top:
