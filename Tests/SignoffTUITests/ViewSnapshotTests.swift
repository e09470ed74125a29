import Testing
@testable import SignoffTUI

/// Whole-screen snapshots: the text as an approver would read it, and a map of
/// the roles each cell carries (legend in Support.swift). Rendered once and
/// checked by eye; a change here is a change the approver would see.
@Suite struct ViewSnapshotTests {
    @Test func snapshot_queue_40x12_unicode() {
        expectSnapshot("queue-40x12-unicode", text: """
            |[1:4] 2:6  3:1  4:0  5:2                |
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
            |[1:4] 2:6  3:1  4:0  5:2                |
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
            | 1 My queue 4  [2 All pending 6]  3 Break-glass 1   4 Expiring 0   5 History 2                      |
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
            | 1 My queue 4  [2 All pending 6]  3 Break-glass 1   4 Expiring 0   5 History 2                      |
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
            |[1 My queue 4]  2 All pending 6   3 Break-glass 1   4 Expiring 0   5 History 2                      |
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
            |[1:4] 2:6  3:1  4:0  5:2                |
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
            | 1 My queue 4  [2 All pending 6]  3 Break-glass 1   4 Expiring 0   5 History 2                                                                                                                          |
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
            |[1 My queue 4]  2 All pending 6   3 Break-glass 1   4 Expiring 0   5 History 2                      |
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
            ||  3                     Break-glass: emergency requests, emergency grants, reviews due            ||
            ||  4                     Expiring: grants by time left, problems flagged                           ||
            ||  5                     History: decided requests                                                 ||
            ||  a                     approve: opens the decision panel (nothing is recorded yet) ^ careful     ||
            ||  d                     deny: opens the decision panel (nothing is recorded yet) ^ careful        ||
            ||  R                     revoke the selected grant: opens a rationale panel ^ careful (unavailable:||
            ||  c                     complete the selected post-incident review ^ careful (unavailable: select ||
            ||  m                     Expiring: only my people and my systems, or all (unavailable: only the Exp||
            ||  /                     filter across all fields as you type                                      ||
            ||  n                     next match (next matching line in detail) (unavailable: no filter: press /||
            ||  N                     previous match (unavailable: no filter: press / first)                    ||
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
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                  rrrrrrrrrr..............#
            #KKKKKKKKKKKKKKKKKKKKKKKK                                          rrrrrrrrrr......................#
            #KKKKKKKKKKKKKKKKKKKKKKKK                                               ...........................#
            #KKKKKKKKKKKKKKKKKKKKKKKK                                                                          #
            #KKKKKKKKKKKKKKKKKKKKKKKK                                         .................................#
            #KKKKKKKKKKKKKKKKKKKKKKKK              ........................................                    #
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

    @Test func snapshot_expiring_120x30_unicode() {
        expectSnapshot("expiring-120x30-unicode", text: """
            | 1 My queue 4   2 All pending 6   3 Break-glass 3  [4 Expiring 6]  5 History 2                                          |
            |┌─ Expiring · 6 · sort: time left ───────────────────────────────┐┌─ Detail · grant of REQ-900005 ─────────────────────┐|
            |│    Left / due     ID         Subject  System/… Flags           ││── Grant ───────────────────────────────────────────│|
            |│── Active grants, soonest end first · 4 ────────────────────────││Break-glass  ⚠ SELF-ACTIVATED by the requester,     │|
            |│▶⚠✔ 1h left        REQ-900005 mallory  k8s-pro… ⚠ SELF-ACTIVATE…││             without an approver                    │|
            |│  ✔ 2h30m left     REQ-900001 etl-nig… payment…                 ││Grant        REQ-900005 · ✔ active · 1h left        │|
            |│  ✔ 3d left        REQ-900006 evil␛]0… search/…                 ││Flags        ⚠ SELF-ACTIVATED                       │|
            |│  ✔ 6d left        REQ-900002 erin     search/…                 ││             REVIEW OVERDUE 3h ago                  │|
            |│── Approved, awaiting provisioning · 1 ─────────────────────────││Access       admin admin-console on                 │|
            |│ ▲● starts at pro… REQ-900003 ml-trai… s3-arch… not provisioned…││             k8s-prod/production                    │|
            |│── Ended or failed, removal not confirmed · 1 ──────────────────││Subject      human mallory                          │|
            |│ ▲◷ expired 5h ago REQ-900004 bob      ledger-… not removed (5h…││Requester    mallory                                │|
            |│                                                                ││Approved     2026-09-20 11:13Z by mallory           │|
            |│                                                                ││Starts       2026-09-20 11:13Z                      │|
            |│                                                                ││Expires      2026-09-21 15:13Z (1d4h in all)        │|
            |│                                                                ││Provisioning grant: done 2026-09-20 11:13Z          │|
            |│                                                                ││Review       by group:security-reviewers · due      │|
            |│                                                                ││             2026-09-21 11:13Z OVERDUE 3h ago       │|
            |│                                                                ││Yours        not your people or systems             │|
            |│                                                                ││── Request ─────────────────────────────────────────│|
            |│                                                                ││Risk         ⚠ BREAK-GLASS                          │|
            |│                                                                ││             ▲ production                           │|
            |│                                                                ││             ▲ admin access                         │|
            |│                                                                ││Request      REQ-900005 · ✔ approved · version 2    │|
            |│                                                                ││Subject      human mallory                          │|
            |│                                                                ││Owner        heidi                                  │|
            |│                                                                ││System       k8s-prod                               │|
            |└─────────────────────────────────────────────────────── 1 of 6 ─┘└────────────────────────────────────── 25/64 lines ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 open · 1 break-glass · ⚠ 1 review overdue │ store data/approvals.db               |
            | Enter detail  R revoke  m mine/all  / filter  ? help  q quit                                                           |
            """, roles: """
            HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH!!!!!!!!!!!!!!!!!HTTTTTTTTTTTTTTHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTT......................#################################......................................................
            #    HHHHHHHHHH     HH         HHHHHHH  HHHHHHHH HHHHH           #.HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#.LLLLLLLLLLLLL!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!     .
            #SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS#.LLLLLLLLLLLLL!!!!!!!!!!!!!!!!!!!                    .
            #  A WWWWWWWWWW                rrrrrrrr RRRRRRRR                 #.LLLLLLLLLLLLLvvvvvvvvvv...AAAAAAAA..........        .
            #  A                                    RRRRRRRR                 #.LLLLLLLLLLLLL!!!!!!!!!!!!!!!!                       .
            #  A                                    RRRRRRRR                 #.LLLLLLLLLLLLLEEEEEEEEEEEEEEEEEEEEE                  .
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvv                 .
            # Wp pppppppppppppp            rrrrrrrr RRRRRRRR WWWWWWWWWWWWWWWW#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvv                    .
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#.LLLLLLLLLLLLLvvvvvvvvvvvvv                          .
            # W. ..............                     RRRRRRRR WWWWWWWWWWWWWWWW#.LLLLLLLLLLLLLvvvvvvv                                .
            #                                                                #.LLLLLLLLLLLLL.....................vvvvvvv           .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvv                      .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv        .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvv          .
            #                                                                #.LLLLLLLLLLLLL...vvvvvvvvvvvvvvvvvvvvvvvvEEEEEE      .
            #                                                                #.LLLLLLLLLLLLLEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE       .
            #                                                                #.LLLLLLLLLLLLL..........................             .
            #                                                                #.HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            #                                                                #.LLLLLLLLLLLLL!!!!!!!!!!!!!                          .
            #                                                                #.LLLLLLLLLLLLLRRRRRRRRRRRR                           .
            #                                                                #.LLLLLLLLLLLLLRRRRRRRRRRRRRR                         .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvv...AAAAAAAAAA............    .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvv                          .
            #                                                                #.LLLLLLLLLLLLLvvvvv                                  .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvv                               .
            ########################################################........##......................................................
            =============================================================WWWWWWWWWWWWWWWWWW=========================================
            _KKKKK_________K_________K___________K_________K_______K________________________________________________________________
            """)
    }

    @Test func snapshot_expiring_mine_80x24_ascii() {
        expectSnapshot("expiring-mine-80x24-ascii", text: """
            | 1 My queue 4   2 All pending 6   3 Break-glass 3  [4 Expiring 2]  5 History 2  |
            |+- Expiring / 2 / sort: time left / my people and systems ---------------------+|
            ||    Left / due     ID         Subject   System/e~ Entitlem~ Flags             ||
            ||-- Active grants, soonest end first / 1 --------------------------------------||
            ||> + 2h30m left     REQ-900001 etl-nigh~ payments~ db:read                     ||
            ||-- Ended or failed, removal not confirmed / 1 --------------------------------||
            || ^@ expired 5h ago REQ-900004 bob       ledger-a~ deploy    not removed (5h a~||
            ||                                                                              ||
            |+--------------------------------------------------------------------- 1 of 2 -+|
            |+- Detail / grant of REQ-900001 -----------------------------------------------+|
            ||-- Grant ---------------------------------------------------------------------||
            ||Grant        REQ-900001 / + active / 2h30m left                               ||
            ||Access       read db:read on payments-db/production                           ||
            ||Subject      service account etl-nightly                                      ||
            ||Requester    bob                                                              ||
            ||Approved     2026-09-21 08:43Z by carol                                       ||
            ||Starts       2026-09-21 08:43Z                                                ||
            ||Expires      2026-09-21 16:43Z (8h in all)                                    ||
            ||Provisioning grant: done 2026-09-21 08:49Z                                    ||
            ||Yours        one of your people or your systems                               ||
            ||-- Request -------------------------------------------------------------------||
            |+---------------------------------------------------------------- 11/48 lines -+|
            | alice | policy 9f2c4e1a | 4 mine / 6 open / 1 break-glass / ! 1 review overdue |
            | showing grants of your people and your systems (m shows all)                   |
            """, roles: """
            HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH!!!!!!!!!!!!!!!!!HTTTTTTTTTTTTTTHHHHHHHHHHHHHHH
            ###TTTTTTTT.........................MMMMMMMMMMMMMMMMMMMMM#######################
            #    HHHHHHHHHH     HH         HHHHHHH   HHHHHHHHH HHHHHHHHH HHHHH             #
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#
            #SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS#
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#
            # W. ..............                      RRRRRRRRR           WWWWWWWWWWWWWWWWWW#
            #                                                                              #
            ######################################################################........##
            ................................................................................
            .HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            .LLLLLLLLLLLLLvvvvvvvvvv...AAAAAAAA.............                               .
            .LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv                           .
            .LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvv                                      .
            .LLLLLLLLLLLLLvvv                                                              .
            .LLLLLLLLLLLLL.....................vvvvv                                       .
            .LLLLLLLLLLLLLvvvvvvvvvvvvvvvvv                                                .
            .LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvv                                    .
            .LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvv                                    .
            .LLLLLLLLLLLLL++++++++++++++++++++++++++++++++++                               .
            .HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            ................................................................................
            =============================================================WWWWWWWWWWWWWWWWWW=
                                                                         ___________________
            """)
    }

    @Test func snapshot_break_glass_review_120x30_unicode() {
        expectSnapshot("break-glass-review-120x30-unicode", text: """
            | 1 My queue 4   2 All pending 6  [3 Break-glass 3]  4 Expiring 6   5 History 2                                          |
            |┌─ Break-glass · 3 · sort: priority ─────────────────────────────┐┌─ Detail · review of REQ-900005 ────────────────────┐|
            |│    ID         Subject    System/e… Entitlem… Access For    Age ││── Post-incident review ────────────────────────────│|
            |│── Pending emergency requests · 1 ──────────────────────────────││Break-glass  ⚠ SELF-ACTIVATED by the requester,     │|
            |│ ⚠● REQ-000003 ops-agent  payments… db:admin  admin  4h     1m  ││             without an approver                    │|
            |│── Active emergency grants · 1 ─────────────────────────────────││Grant        REQ-900005 · ✔ active · 1h left        │|
            |│    Left / due     ID         Subject  System/… Flags           ││Flags        ⚠ SELF-ACTIVATED                       │|
            |│ ⚠✔ 1h left        REQ-900005 mallory  k8s-pro… ⚠ SELF-ACTIVATE…││             REVIEW OVERDUE 3h ago                  │|
            |│── Post-incident reviews due · 1 ───────────────────────────────││Access       admin admin-console on                 │|
            |│▶⚠✔ OVERDUE 3h ago REQ-900005 mallory  k8s-pro… ⚠ SELF-ACTIVATE…││             k8s-prod/production                    │|
            |│                                                                ││Subject      human mallory                          │|
            |│                                                                ││Requester    mallory                                │|
            |│                                                                ││Approved     2026-09-20 11:13Z by mallory           │|
            |│                                                                ││Starts       2026-09-20 11:13Z                      │|
            |│                                                                ││Expires      2026-09-21 15:13Z (1d4h in all)        │|
            |│                                                                ││Provisioning grant: done 2026-09-20 11:13Z          │|
            |│                                                                ││Review       by group:security-reviewers · due      │|
            |│                                                                ││             2026-09-21 11:13Z OVERDUE 3h ago       │|
            |│                                                                ││Yours        not your people or systems             │|
            |│                                                                ││── Request ─────────────────────────────────────────│|
            |│                                                                ││Risk         ⚠ BREAK-GLASS                          │|
            |│                                                                ││             ▲ production                           │|
            |│                                                                ││             ▲ admin access                         │|
            |│                                                                ││Request      REQ-900005 · ✔ approved · version 2    │|
            |│                                                                ││Subject      human mallory                          │|
            |│                                                                ││Owner        heidi                                  │|
            |│                                                                ││System       k8s-prod                               │|
            |└─────────────────────────────────────────────────────── 3 of 3 ─┘└────────────────────────────────────── 25/64 lines ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 open · 1 break-glass · ⚠ 1 review overdue │ store data/approvals.db               |
            | Enter detail  a approve  d deny  R revoke  c review  / filter  s sort  ? help  q quit                                  |
            """, roles: """
            HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHTTTTTTTTTTTTTTTTTHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTTTTT.....................###############################......................................................
            #    HH         HHHHHHH    HHHHHHHHH HHHHHHHHH HHHHHH HHH    HHH #.HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#.LLLLLLLLLLLLL!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!     .
            # !p            rrrrrrrrr  RRRRRRRRR           RRRRR         ..  #.LLLLLLLLLLLLL!!!!!!!!!!!!!!!!!!!                    .
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#.LLLLLLLLLLLLLvvvvvvvvvv...AAAAAAAA..........        .
            #    HHHHHHHHHH     HH         HHHHHHH  HHHHHHHH HHHHH           #.LLLLLLLLLLLLL!!!!!!!!!!!!!!!!                       .
            # !A WWWWWWW                            RRRRRRRR !!!!!!!!!!!!!!!!#.LLLLLLLLLLLLLEEEEEEEEEEEEEEEEEEEEE                  .
            #HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvv                 .
            #SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS#.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvv                    .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvv                          .
            #                                                                #.LLLLLLLLLLLLLvvvvvvv                                .
            #                                                                #.LLLLLLLLLLLLL.....................vvvvvvv           .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvv                      .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv        .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvvvvvvvvvvvvvvvvvv          .
            #                                                                #.LLLLLLLLLLLLL...vvvvvvvvvvvvvvvvvvvvvvvvEEEEEE      .
            #                                                                #.LLLLLLLLLLLLLEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE       .
            #                                                                #.LLLLLLLLLLLLL..........................             .
            #                                                                #.HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            #                                                                #.LLLLLLLLLLLLL!!!!!!!!!!!!!                          .
            #                                                                #.LLLLLLLLLLLLLRRRRRRRRRRRR                           .
            #                                                                #.LLLLLLLLLLLLLRRRRRRRRRRRRRR                         .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvv...AAAAAAAAAA............    .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvvvvvvv                          .
            #                                                                #.LLLLLLLLLLLLLvvvvv                                  .
            #                                                                #.LLLLLLLLLLLLLvvvvvvvv                               .
            ########################################################........##......................................................
            =============================================================WWWWWWWWWWWWWWWWWW=========================================
            _KKKKK_________...................K_________K_________K_________K_______K_______K_______________________________________
            """)
    }

    @Test func snapshot_revoke_100x30_unicode() {
        expectSnapshot("revoke-100x30-unicode", text: """
            | 1 My queue 4   2 All pending 6   3 Break-glass 3  [4 Expiring 6]  5 History 2                      |
            |┌─ Expiring · 6 · sort: time left ─────────────────────────────────────────────────────────────────┐|
            |│    Left / due     ID         Subject       System/env    Entitlement   Flags                     │|
            |│── A┌─ Revoke the grant of REQ-900005 ───────────────────────────────────────────────────────┐────│|
            |│▶⚠✔ │REVOKE access of human mallory                                                          │EW …│|
            |│  ✔ │entitlement admin-console                                                               │    │|
            |│  ✔ │on k8s-prod / production                                                                │    │|
            |│  ✔ │scope — · access admin · for 1d4h                                                       │    │|
            |│── A│now 1h left                                                                             │────│|
            |│ ▲● │⚠ SELF-ACTIVATED: nobody approved this access                                           │ago)│|
            |└────│⚠ BREAK-GLASS  ▲ production  ▲ admin access                                             │ 6 ─┘|
            |┌─ De│Rationale 13/10 ✔ (Enter = new line)                                                    │────┐|
            |│── G│  ticket closed▏                                                                        │────│|
            |│Brea│                                                                                        │    │|
            |│Gran│                                                                                        │    │|
            |│Flag│                                                                                        │    │|
            |│    │                                                                                        │    │|
            |│Acce│                                                                                        │    │|
            |│Subj│                                                                                        │    │|
            |│Requ│                                                                                        │    │|
            |│Appr│                                                                                        │    │|
            |│Star│                                                                                        │    │|
            |│Expi│                                                                                        │    │|
            |│Prov│Ctrl-s submit  Esc cancel                                                               │    │|
            |│Revi└────────────────────────────────────────────────────────────────────────────────────────┘    │|
            |│Yours        not your people or systems                                                           │|
            |│── Request ───────────────────────────────────────────────────────────────────────────────────────│|
            |└──────────────────────────────────────────────────────────────────────────────────── 15/51 lines ─┘|
            | alice │ policy 9f2c4e1a │ 4 mine · 6 open · 1 break-glass · ⚠ 1 review overdue │ store data/appro… |
            | Ctrl-s submit  Esc cancel                                                                          |
            """, roles: """
            HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH!!!!!!!!!!!!!!!!!HTTTTTTTTTTTTTTHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH
            ###TTTTTTTT......................###################################################################
            #    HHHHHHHHHH     HH         HHHHHHH       HHHHHHHHHH    HHHHHHHHHHH   HHHHH                     #
            #HHHH###DDDDDDDDDDDDDDDDDDDDDDDDDDDDDD#########################################################HHHH#
            #SSSS#DDDDDDDDDDDDDDDDDLLLLLLvvvvvvv                                                          #SSSS#
            #  A #LLLLLLLLLLLLvvvvvvvvvvvvv                                                               #    #
            #  A #LLLvvvvvvvv...RRRRRRRRRR                                                                #    #
            #  A #LLLLLLvLLLLLLLLLLRRRRRLLLLLLLvvvv                                                       #    #
            #HHHH#LLLLvvvvvvv                                                                             #HHHH#
            # Wp #!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!                                           #WWWW#
            ######!!!!!!!!!!!!!!!RRRRRRRRRRRRRRRRRRRRRRRRRRRRRR                                           #...##
            .....#LLLLLLLLLL+++++++...................                                                    #.....
            .HHHH#..IIIIIIIIIIIIII                                                                        #HHHH.
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
            .LLLLLLLLLLLLL..........................                                                           .
            .HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH.
            ....................................................................................................
            =============================================================WWWWWWWWWWWWWWWWWW=====================
            _KKKKKK_________KKK_________________________________________________________________________________
            """)
    }
}
