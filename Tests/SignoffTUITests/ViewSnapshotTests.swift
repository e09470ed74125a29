import Testing
@testable import SignoffTUI

/// Whole-screen snapshots: the text as an approver would read it, and a map of
/// the roles each cell carries (legend in Support.swift). Rendered once and
/// checked by eye; a change here is a change the approver would see.
@Suite struct ViewSnapshotTests {
    @Test func snapshot_queue_40x12_unicode() {
        expectSnapshot("queue-40x12-unicode", text: """
            |[1:4] 2:6  3:1  4:1  5:2                |
            |┌─ My queue · 4 · sort: priority ──────┐|
            |│    ID         Subject     Entitlement│|
            |│▶⚠● REQ-000003 ops-agent   db:admin   │|
            |│ ★● REQ-000001 etl-nightly db:write   │|
            |│ ★● REQ-000005 é̂cole-key   secrets:re…│|
            |│ ★● REQ-000002 dave        logs:read  │|
            |│                                      │|
            |│                                      │|
            |└───────────────────────────── 1 of 4 ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 op|
            | Enter detail  a approve  d deny  / filt|
            """, roles: """
            TTTTTHHHHH!!!!!HHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTT.....................########
            #    HH         HHHHHHH     HHHHHHHHHHH#
            #SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS#
            # +p            rrrrrrrrrrr            #
            # +p            rrrrrrrrr              #
            # +p                                   #
            #                                      #
            #                                      #
            ##############################........##
            ========================================
            _KKKKK_________K__________K_______K_____
            """)
    }

    @Test func snapshot_queue_40x12_ascii() {
        expectSnapshot("queue-40x12-ascii", text: """
            |[1:4] 2:6  3:1  4:1  5:2                |
            |+- My queue / 4 / sort: priority ------+|
            ||    ID         Subject     Entitlement||
            ||>!* REQ-000003 ops-agent   db:admin   ||
            || ** REQ-000001 etl-nightly db:write   ||
            || ** REQ-000005 é̂cole-key   secrets:re~||
            || ** REQ-000002 dave        logs:read  ||
            ||                                      ||
            ||                                      ||
            |+----------------------------- 1 of 4 -+|
            | alice | policy 9f2c4e1a | 4 mine / 6 op|
            | Enter detail  a approve  d deny  / filt|
            """, roles: """
            TTTTTHHHHH!!!!!HHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTT.....................########
            #    HH         HHHHHHH     HHHHHHHHHHH#
            #SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS#
            # +p            rrrrrrrrrrr            #
            # +p            rrrrrrrrr              #
            # +p                                   #
            #                                      #
            #                                      #
            ##############################........##
            ========================================
            _KKKKK_________K__________K_______K_____
            """)
    }

    @Test func snapshot_hostile_detail_100x30_unicode() {
        expectSnapshot("hostile-detail-100x30-unicode", text: """
            | 1 My queue 4  [2 All pending 6]  3 Break-glass 1   4 Expiring 1   5 History 2                      |
            |┌─ All pending · 6 · sort: priority ───────────────────────────────────────────────────────────────┐|
            |│    ID         Subject          System/env  Entitlement   Access For    Age  Appr  Routed to      │|
            |│ ⚠● REQ-000003 ops-agent        payments-d… db:admin      admin  4h     1m   0/1   owners of paym…│|
            |│ ★● REQ-000001 etl-nightly      payments-d… db:write      write  8h     2h   0/1   owners of paym…│|
            |│  ● REQ-000004 数据同步-エージ… ledger-api… deploy 🚀 pr… write  8h     30m  1/2   owners of ledg…│|
            |│▶★● REQ-000005 é̂cole-key        payments-d… secrets:read  write  8h     15m  0/1   owners of paym…│|
            |│ ★● REQ-000002 dave             payments-d… logs:read     read   8h     10m  0/1   owners of paym…│|
            |│  ● REQ-000006 evil�gnp.exe�xx… payments-d… wide字wide字… write  8h     5m   0/1   owners of paym…│|
            |│                                                                                                  │|
            |└───────────────────────────────────────────────────────────────────────────────────────── 4 of 6 ─┘|
            |┌─ Detail · REQ-000005 ────────────────────────────────────────────────────────────────────────────┐|
            |│Owner        carol                                                                                │|
            |│System       payments-db                                                                          │|
            |│Environment  production                                                                           │|
            |│Entitlement  secrets:read                                                                         │|
            |│Scope        schema ledger                                                                        │|
            |│Access       write                                                                                │|
            |│Duration     8h (policy maximum 1w)                                                               │|
            |│Purpose      drop ␛[2J␛]0;pwned␇ tables �doc.exe� and�hide very long purpose very long purpose    │|
            |│             very long purpose very long purpose very long purpose very long purpose very long    │|
            |│             purpose very long purpose very long purpose very long purpose very long purpose very │|
            |│             long purpose very long purpose very long purpose very long purpose very long purpose │|
            |│             very long purpose very long purpose very long purpose very long purpose very long    │|
            |│             purpose very long purpose very long purpose very long purpose very long purpose very │|
            |│             long purpose very long purpose very long purpose very long purpose very long purpose │|
            |│             very long purpose very long purpose very long purpose very long purpose very long    │|
            |└──────────────────────────────────────────────────────────────────────────────────── 19/57 lines ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 open · 1 break-glass │ store data/approvals.db                |
            | h back  a approve  d deny  / filter  ? help  q quit                                                |
            """, roles: """
            HHHHHHHHHHHHHHHTTTTTTTTTTTTTTTTTH!!!!!!!!!!!!!!!!!HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ...TTTTTTTTTTT......................................................................................
            .    HH         HHHHHHH          HHHHHHHHHH  HHHHHHHHHHH   HHHHHH HHH    HHH  HHHH  HHHHHHHHH      .
            . !p            rrrrrrrrr        RRRRRRRRRRR               RRRRR         ..   ppp   ................
            . +p            rrrrrrrrrrr      RRRRRRRRRRR                             ..   ppp   ................
            .  p            rrrrrrrrrrrrrrrr RRRRRRRRRRR                             ...  ppp   ................
            .ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss.
            . +p                                                                     ...  ppp   ................
            .  p            rrrrrrrrrrrrrrrr RRRRRRRRRRR                             ..   ppp   ................
            .                                                                                                  .
            ....................................................................................................
            ###TTTTTT.............##############################################################################
            #LLLLLLLLLLLLLvvvvv                                                                                #
            #LLLLLLLLLLLLLvvvvvvvvvvv                                                                          #
            #LLLLLLLLLLLLLRRRRRRRRRR                                                                           #
            #LLLLLLLLLLLLLvvvvvvvvvvvv                                                                         #
            #LLLLLLLLLLLLLvvvvvvvvvvvvv                                                                        #
            #LLLLLLLLLLLLLvvvvv                                                                                #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvv                                                               #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv    #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv    #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv    #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv    #
            #####################################################################################.............##
            ====================================================================================================
            _K_______K__________K_______K_________K_______K_____________________________________________________
            """)
    }

    @Test func snapshot_hostile_detail_100x30_ascii() {
        expectSnapshot("hostile-detail-100x30-ascii", text: """
            | 1 My queue 4  [2 All pending 6]  3 Break-glass 1   4 Expiring 1   5 History 2                      |
            |+- All pending / 6 / sort: priority ---------------------------------------------------------------+|
            ||    ID         Subject          System/env  Entitlement   Access For    Age  Appr  Routed to      ||
            || !* REQ-000003 ops-agent        payments-d~ db:admin      admin  4h     1m   0/1   owners of paym~||
            || ** REQ-000001 etl-nightly      payments-d~ db:write      write  8h     2h   0/1   owners of paym~||
            ||  * REQ-000004 数据同步-エージ~ ledger-api~ deploy 🚀 pr~ write  8h     30m  1/2   owners of ledg~||
            ||>** REQ-000005 é̂cole-key        payments-d~ secrets:read  write  8h     15m  0/1   owners of paym~||
            || ** REQ-000002 dave             payments-d~ logs:read     read   8h     10m  0/1   owners of paym~||
            ||  * REQ-000006 evil\\u{202E}gnp~ payments-d~ wide字wide字~ write  8h     5m   0/1   owners of paym~||
            ||                                                                                                  ||
            |+----------------------------------------------------------------------------------------- 4 of 6 -+|
            |+- Detail / REQ-000005 ----------------------------------------------------------------------------+|
            ||Owner        carol                                                                                ||
            ||System       payments-db                                                                          ||
            ||Environment  production                                                                           ||
            ||Entitlement  secrets:read                                                                         ||
            ||Scope        schema ledger                                                                        ||
            ||Access       write                                                                                ||
            ||Duration     8h (policy maximum 1w)                                                               ||
            ||Purpose      drop \\x1B[2J\\x1B]0;pwned\\x07 tables \\u{202E}doc.exe\\u{202C} and\\u{200B}hide very long||
            ||             purpose very long purpose very long purpose very long purpose very long purpose very ||
            ||             long purpose very long purpose very long purpose very long purpose very long purpose ||
            ||             very long purpose very long purpose very long purpose very long purpose very long    ||
            ||             purpose very long purpose very long purpose very long purpose very long purpose very ||
            ||             long purpose very long purpose very long purpose very long purpose very long purpose ||
            ||             very long purpose very long purpose very long purpose very long purpose very long    ||
            ||             purpose very long purpose very long purpose very long purpose very long purpose very ||
            |+------------------------------------------------------------------------------------ 19/57 lines -+|
            | alice | policy 9f2c4e1a | 4 mine / 6 open / 1 break-glass | store data/approvals.db                |
            | h back  a approve  d deny  / filter  ? help  q quit                                                |
            """, roles: """
            HHHHHHHHHHHHHHHTTTTTTTTTTTTTTTTTH!!!!!!!!!!!!!!!!!HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ...TTTTTTTTTTT......................................................................................
            .    HH         HHHHHHH          HHHHHHHHHH  HHHHHHHHHHH   HHHHHH HHH    HHH  HHHH  HHHHHHHHH      .
            . !p            rrrrrrrrr        RRRRRRRRRRR               RRRRR         ..   ppp   ................
            . +p            rrrrrrrrrrr      RRRRRRRRRRR                             ..   ppp   ................
            .  p            rrrrrrrrrrrrrrrr RRRRRRRRRRR                             ...  ppp   ................
            .ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss.
            . +p                                                                     ...  ppp   ................
            .  p            rrrrrrrrrrrrrrrr RRRRRRRRRRR                             ..   ppp   ................
            .                                                                                                  .
            ....................................................................................................
            ###TTTTTT.............##############################################################################
            #LLLLLLLLLLLLLvvvvv                                                                                #
            #LLLLLLLLLLLLLvvvvvvvvvvv                                                                          #
            #LLLLLLLLLLLLLRRRRRRRRRR                                                                           #
            #LLLLLLLLLLLLLvvvvvvvvvvvv                                                                         #
            #LLLLLLLLLLLLLvvvvvvvvvvvvv                                                                        #
            #LLLLLLLLLLLLLvvvvv                                                                                #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvv                                                               #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv#
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv    #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv    #
            #LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv #
            #####################################################################################.............##
            ====================================================================================================
            _K_______K__________K_______K_________K_______K_____________________________________________________
            """)
    }

    @Test func snapshot_decision_100x30_unicode() {
        expectSnapshot("decision-100x30-unicode", text: """
            |[1 My queue 4]  2 All pending 6   3 Break-glass 1   4 Expiring 1   5 History 2                      |
            |┌─ My queue · 4 · sort: priority ──────────────────────────────────────────────────────────────────┐|
            |│    ID         Subject           Kind      System/env    Entitlement      Access For    Age  Appr │|
            |│ ⚠● ┌─ Approve REQ-000001 ───────────────────────────────────────────────────────────────────┐/1  │|
            |│▶★● │APPROVE service account etl-nightly                                                     │/1  │|
            |│ ★● │entitlement db:write                                                                    │/1  │|
            |│ ★● │on payments-db / production                                                             │/1  │|
            |│    │scope schema ledger · access write · for 8h                                             │    │|
            |│    │▲ production  ▲ non-human: service account                                              │    │|
            |│    │Rationale 27/10 ✔ (Enter = new line)                                                    │    │|
            |└────│  checked OPS-42                                                                        │ 4 ─┘|
            |┌─ De│  owner agreed▏                                                                         │────┐|
            |│Risk│                                                                                        │    │|
            |│    │                                                                                        │    │|
            |│Requ│                                                                                        │    │|
            |│Subj│                                                                                        │    │|
            |│Owne│                                                                                        │    │|
            |│Syst│                                                                                        │    │|
            |│Envi│                                                                                        │    │|
            |│Enti│                                                                                        │    │|
            |│Scop│                                                                                        │    │|
            |│Acce│                                                                                        │    │|
            |│Dura│                                                                                        │    │|
            |│Purp│Ctrl-s submit  Esc cancel                                                               │    │|
            |│Trig└────────────────────────────────────────────────────────────────────────────────────────┘    │|
            |│Ticket       OPS-42                                                                               │|
            |│Break-glass  no                                                                                   │|
            |└──────────────────────────────────────────────────────────────────────────────────── 15/32 lines ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 open · 1 break-glass │ store data/approvals.db                |
            | Ctrl-s submit  Esc cancel                                                                          |
            """, roles: """
            TTTTTTTTTTTTTTHHHHHHHHHHHHHHHHHHH!!!!!!!!!!!!!!!!!HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTT.....................####################################################################
            #    HH         HHHHHHH           HHHH      HHHHHHHHHH    HHHHHHHHHHH      HHHHHH HHH    HHH  HHHH #
            # !p ###AAAAAAAAAAAAAAAAAA#####################################################################pp  #
            #SSSS#AAAAAAAALLLLLLLLLLLLLLLLvvvvvvvvvvv                                                     #SSSS#
            # +p #LLLLLLLLLLLLvvvvvvvv                                                                    #pp  #
            # +p #LLLvvvvvvvvvvv...RRRRRRRRRR                                                             #pp  #
            #    #LLLLLLvvvvvvvvvvvvvLLLLLLLLLLvvvvvLLLLLLLvv                                             #    #
            #    #RRRRRRRRRRRRRRrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr                                            #    #
            #    #LLLLLLLLLL+++++++...................                                                    #    #
            ######..IIIIIIIIIIIIII                                                                        #...##
            .....#..IIIIIIIIIIIII                                                                         #.....
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#..                                                                                      #    .
            .LLLL#KKKKKK_________KKK_________                                                             #    .
            .LLLL##########################################################################################    .
            .LLLLLLLLLLLLLvvvvvv                                                                               .
            .LLLLLLLLLLLLLvv                                                                                   .
            ....................................................................................................
            ====================================================================================================
            _KKKKKK_________KKK_________________________________________________________________________________
            """)
    }

    @Test func snapshot_confirm_40x12_ascii() {
        expectSnapshot("confirm-40x12-ascii", text: """
            |[1:4] 2:6  3:1  4:1  5:2                |
            |+- ! Confirm PRODUCTION ADMIN + BREAK--+|
            ||APPROVE service account ops-agent     ||
            ||entitlement db:admin                  ||
            ||on payments-db / production           ||
            ||scope schema ledger / access admin / f||
            ||Type yes, then Enter, to record it.   ||
            ||> ye_                                 ||
            ||Enter record  Esc back                ||
            |+--------------------------------------+|
            | alice | policy 9f2c4e1a | 4 mine / 6 op|
            | Enter record  Esc back                 |
            """, roles: """
            TTTTTHHHHH!!!!!HHHHHHHHHHHHHHHHHHHHHHHHH
            RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR
            RAAAAAAAALLLLLLLLLLLLLLLLvvvvvvvvv     R
            RLLLLLLLLLLLLvvvvvvvv                  R
            RLLLvvvvvvvvvvv...RRRRRRRRRR           R
            RLLLLLLvvvvvvvvvvvvvLLLLLLLLLLRRRRRLLLLR
            RWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW   R
            RLLIII                                 R
            R..............KKK_______              R
            RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR
            ========================================
            _..............KKK______________________
            """)
    }

    @Test func snapshot_all_pending_200x60_unicode() {
        expectSnapshot("all-pending-200x60-unicode", text: """
            | 1 My queue 4  [2 All pending 6]  3 Break-glass 1   4 Expiring 1   5 History 2                                                                                                                          |
            |┌─ All pending · 6 · sort: priority ─────────────────────────────────────────────────────────────────────────┐┌─ Detail · REQ-000006 ──────────────────────────────────────────────────────────────────┐|
            |│    ID         Subject            System/env    Entitlement      Access For    Age  Appr  Routed to         ││Risk         ▲ production                                                               │|
            |│ ⚠● REQ-000003 ops-agent          payments-db/… db:admin         admin  4h     1m   0/1   owners of payment…││             ▲ non-human: service account                                               │|
            |│ ★● REQ-000001 etl-nightly        payments-db/… db:write         write  8h     2h   0/1   owners of payment…││Request      REQ-000006 · ● pending · version 1                                         │|
            |│  ● REQ-000004 数据同步-エージェ… ledger-api/p… deploy 🚀 prod   write  8h     30m  1/2   owners of ledger-…││Subject      service account                                                            │|
            |│ ★● REQ-000005 é̂cole-key          payments-db/… secrets:read     write  8h     15m  0/1   owners of payment…││             evil�gnp.exe�xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│ ★● REQ-000002 dave               payments-db/… logs:read        read   8h     10m  0/1   owners of payment…││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│▶ ● REQ-000006 evil�gnp.exe�xxxx… payments-db/… wide字wide字wid… write  8h     5m   0/1   owners of payment…││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx│|
            |│                                                                                                            ││             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx            │|
            |│                                                                                                            ││Owner        carol                                                                      │|
            |│                                                                                                            ││System       payments-db                                                                │|
            |│                                                                                                            ││Environment  production                                                                 │|
            |│                                                                                                            ││Entitlement  wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |│                                                                                                            ││             e字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字│|
            |│                                                                                                            ││             wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wide字wid│|
            |└─────────────────────────────────────────────────────────────────────────────────────────────────── 6 of 6 ─┘└────────────────────────────────────────────────────────────────────────── 55/91 lines ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 open · 1 break-glass │ store data/approvals.db                                                                                                                    |
            | Enter detail  a approve  d deny  / filter  s sort  ? help  q quit                                                                                                                                      |
            """, roles: """
            HHHHHHHHHHHHHHHTTTTTTTTTTTTTTTTTH!!!!!!!!!!!!!!!!!HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTTTTT.....................###########################################################################..........................................................................................
            #    HH         HHHHHHH            HHHHHHHHHH    HHHHHHHHHHH      HHHHHH HHH    HHH  HHHH  HHHHHHHHH         #.LLLLLLLLLLLLLRRRRRRRRRRRR                                                               .
            # !p            rrrrrrrrr          RRRRRRRRRRRRR                  RRRRR         ..   ppp   ..................#.LLLLLLLLLLLLLrrrrrrrrrrrrrrrrrrrrrrrrrrrr                                               .
            # +p            rrrrrrrrrrr        RRRRRRRRRRRRR                                ..   ppp   ..................#.LLLLLLLLLLLLLvvvvvvvvvv...ppppppppp............                                         .
            #  p            rrrrrrrrrrrrrrrrrr RRRRRRRRRRRRR                                ...  ppp   ..................#.LLLLLLLLLLLLLvvvvvvvvvvvvvvv                                                            .
            # +p            rrrrrrrrr          RRRRRRRRRRRRR                                ...  ppp   ..................#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            # +p                                                                            ...  ppp   ..................#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv            .
            #                                                                                                            #.LLLLLLLLLLLLLvvvvv                                                                      .
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvv                                                                .
            #                                                                                                            #.LLLLLLLLLLLLLRRRRRRRRRR                                                                 .
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            #                                                                                                            #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv.
            ####################################################################################################........##..........................................................................................
            ========================================================================================================================================================================================================
            _KKKKK_________...................K_________K_______K_______K___________________________________________________________________________________________________________________________________________
            """)
    }

    @Test func snapshot_help_100x30_ascii() {
        expectSnapshot("help-100x30-ascii", text: """
            |[1 My queue 4]  2 All pending 6   3 Break-glass 1   4 Expiring 1   5 History 2                      |
            |+- Keys / j/k scroll, ? or Esc closes -------------------------------------------------------------+|
            ||List                                                                                              ||
            ||  j/Down                move down (scroll in detail)                                              ||
            ||  k/Up                  move up (scroll in detail)                                                ||
            ||  PgDn                  page down                                                                 ||
            ||  PgUp                  page up                                                                   ||
            ||  Ctrl-d                half a page down                                                          ||
            ||  Ctrl-u                half a page up                                                            ||
            ||  g/Home                first request (top of detail)                                             ||
            ||  G/End                 last request (end of detail)                                              ||
            ||  Enter/l/Right         focus the detail to scroll it                                             ||
            ||  Tab                   next list                                                                 ||
            ||  Shift-Tab             previous list                                                             ||
            ||  1                     My queue: requests you may decide now                                     ||
            ||  2                     All pending: every open request                                           ||
            ||  3                     Break-glass: open emergency requests                                      ||
            ||  4                     Expiring: approved access by time left                                    ||
            ||  5                     History: decided requests                                                 ||
            ||  a                     approve: opens the decision panel (nothing is recorded yet) ^ careful     ||
            ||  d                     deny: opens the decision panel (nothing is recorded yet) ^ careful        ||
            ||  /                     filter across all fields as you type                                      ||
            ||  n                     next match (next matching line in detail) (unavailable: no filter: press /||
            ||  N                     previous match (unavailable: no filter: press / first)                    ||
            ||  s                     cycle sort order                                                          ||
            ||  Esc                   clear the filter (unavailable: no filter to clear)                        ||
            ||  r/Ctrl-r              reload from the store                                                     ||
            |+----------------------------------------------------------------------------------------- v more -+|
            | alice | policy 9f2c4e1a | 4 mine / 6 open / 1 break-glass | store data/approvals.db                |
            | ? close                                                                                            |
            """, roles: """
            TTTTTTTTTTTTTTHHHHHHHHHHHHHHHHHHH!!!!!!!!!!!!!!!!!HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTT..............................###############################################################
            #HHHH                                                                                              #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                           rrrrrrrrrr     #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                        rrrrrrrrrr        #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                         .................................#
            #KKKKKKKKKKKKKKKKKKKKKKKK              ........................................                    #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                ..................................                        #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            ##########################################################################################........##
            ====================================================================================================
            _K__________________________________________________________________________________________________
            """)
    }

    @Test func snapshot_too_small_30x8_unicode() {
        expectSnapshot("too-small-30x8-unicode", text: """
            |                              |
            |                              |
            |                              |
            |   terminal too small (need   |
            |      40×12, have 30×8)       |
            |                              |
            |                              |
            |                              |
            """, roles: """
                                          
                                          
                                          
               WWWWWWWWWWWWWWWWWWWWWWWW   
                  WWWWWWWWWWWWWWWWW       
                                          
                                          
                                          
            """)
    }

}
